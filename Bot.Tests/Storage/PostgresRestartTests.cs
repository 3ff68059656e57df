using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HandoffBot.Hosting;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Storage;

/// <summary>
/// Issue 13 item 6: PostgreSQL restarted under the bot. While the server is away /api/messages answers 503 with
/// Retry-After and stores nothing; an activity acknowledged before the stop is answered after the restart, and the
/// channel's retry of the refused one is accepted: no bot restart. The test runs its own cluster (it stops it).
/// </summary>
public sealed class PostgresRestartTests
{
    private const string Channel = "pgfault-test";
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(7); // distinct from the bot's other timers

    private static Activity Message(string id, string conversation, string text) => QueuedMessages.Message(Channel, id, conversation, text);

    [Fact]
    public async Task WhileTheDatabaseRestartsPostsGet503WithRetryAfterAndEveryAcknowledgedTurnIsAnsweredAfterwards()
    {
        await using var cluster = await ThrowawayPostgres.StartAsync();
        var transport = new RecordingTransport(Channel);
        await using var factory = new BotFactory().OnSharedPostgres(cluster.ConnectionString, "pgfault")
            .With("Messages:StorageRetryAfter", RetryAfter.ToString())
            .WithServices(services => services.AddSingleton<IChannelTransport>(transport));
        using var client = factory.CreateClient();
        var queue = factory.Services.GetRequiredService<TurnQueue>();
        var inbox = factory.Services.GetRequiredService<IInboxStore>();

        // A customer turn acknowledged and answered.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(MessagesEndpoint.Path, Message("m-1", "conv-a", "where is my order?"), ProtocolJsonContext.Default.Activity)).StatusCode);
        await queue.WhenIdleAsync(CancellationToken.None);
        Assert.Equal(["m-1"], transport.Sent.Select(a => a.ReplyToId));

        // A turn acknowledged just before the stop, still pending: its conversation's turn lock is held elsewhere.
        await using (var holder = await HeldTurnLock.TakeAsync(cluster.ConnectionString, Channel, "conv-a"))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(MessagesEndpoint.Path, Message("m-2", "conv-a", "how do I reset my password"), ProtocolJsonContext.Default.Activity)).StatusCode);
            await holder.WaitForWaiterAsync();

            await cluster.StopServerAsync();
        }

        // The queued turn lost its database: it waits to run again instead of failing.
        await factory.Time.WaitForTimerAsync(RetryAfter);
        var refused = await client.PostAsJsonAsync(MessagesEndpoint.Path, Message("m-3", "conv-b", "where is my order?"), ProtocolJsonContext.Default.Activity);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(RetryAfter, refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using (var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Equal("Storage unavailable", problem.RootElement.GetProperty("title").GetString());
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(["m-1"], transport.Sent.Select(a => a.ReplyToId)); // no apology for the outage

        // The server is back; the bot was not restarted.
        await cluster.StartServerAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        factory.Time.Advance(RetryAfter);
        await queue.WhenIdleAsync(CancellationToken.None);
        Assert.Equal(["m-1", "m-2"], transport.Sent.Select(a => a.ReplyToId));
        Assert.Empty(await inbox.ReadPendingAsync(CancellationToken.None)); // the refused m-3 was not stored half-way

        // The channel's retry of the refused post is accepted and answered, once.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(MessagesEndpoint.Path, Message("m-3", "conv-b", "where is my order?"), ProtocolJsonContext.Default.Activity)).StatusCode);
        await queue.WhenIdleAsync(CancellationToken.None);
        Assert.Equal(["m-1", "m-2", "m-3"], transport.Sent.Select(a => a.ReplyToId));
        Assert.Contains("Account > Orders", transport.Sent.Last().Text, StringComparison.Ordinal);
        var transcript = await factory.Services.GetRequiredService<ITranscriptStore>().ReadAsync(Channel, "conv-a", CancellationToken.None);
        Assert.Equal([("m-1", RoleTypes.User), ("m-1", RoleTypes.Bot), ("m-2", RoleTypes.User), ("m-2", RoleTypes.Bot)],
            transcript.Select(a => (a.From?.Role == RoleTypes.Bot ? a.ReplyToId : a.Id, a.From?.Role)));
    }
}
