using System.Net;
using System.Net.Http.Json;
using HandoffBot.Hosting;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Hosting;

/// <summary>Queued turns survive a restart: acknowledged once stored, run again if unfinished, never twice.</summary>
public sealed class InboxDurabilityTests : IDisposable
{
    private const string Channel = "durable-test";
    private readonly TempDataFolder _folder = new("handoffbot-inbox-");

    public void Dispose() => _folder.Dispose();

    private (BotFactory Factory, SignallingTurnStore Commits) StartHost(RecordingTransport transport, bool dieBeforeCommit = false) =>
        DurableBot.Start(_folder.Path, dieBeforeCommit, services => services.AddSingleton<IChannelTransport>(transport));

    private static Activity Message(string id, string conversation, string text) => QueuedMessages.Message(Channel, id, conversation, text);

    private static async Task PostAsync(BotFactory factory, Activity activity)
    {
        using var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync(MessagesEndpoint.Path, activity, ProtocolJsonContext.Default.Activity);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AnAcknowledgedActivityWhoseTurnWasCutShortRunsOnceAfterARestart()
    {
        var activity = Message("a-1", "conv-restart", "where is my order?");

        // First life: the activity is acknowledged, its turn starts replying, then the process stops mid-turn.
        var stuck = new RecordingTransport(Channel, block: true);
        var (first, _) = StartHost(stuck);
        await PostAsync(first, activity);
        var pending = await first.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None);
        Assert.Equal("a-1", Assert.Single(pending).Activity.Id);
        await stuck.SendStarted.WaitAsync(TimeSpan.FromSeconds(30));
        await first.DisposeAsync();

        // Second life on the same file: the unfinished turn runs again, completely, once.
        var transport = new RecordingTransport(Channel);
        var (second, commits) = StartHost(transport);
        var commit = await commits.NextCommitAsync();
        Assert.NotNull(commit.CompletesInboxItem);
        var reply = Assert.Single(transport.Sent);
        Assert.Equal("a-1", reply.ReplyToId);
        Assert.Contains("Account > Orders", reply.Text, StringComparison.Ordinal);
        Assert.Empty(await second.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None));
        await second.DisposeAsync();

        // Third life: nothing left to run; the transcript holds the turn exactly once.
        var (third, _) = StartHost(new RecordingTransport(Channel));
        await using (third)
        {
            Assert.Empty(await third.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None));
            var transcript = await third.Services.GetRequiredService<ITranscriptStore>().ReadAsync(Channel, "conv-restart", CancellationToken.None);
            Assert.Collection(transcript,
                inbound => Assert.Equal(("a-1", RoleTypes.User), (inbound.Id, inbound.From?.Role)),
                outbound => Assert.Equal(("a-1", RoleTypes.Bot), (outbound.ReplyToId, outbound.From?.Role)));
        }
    }

    [Fact]
    public async Task AReplyThatReachedTheChannelBeforeTheProcessDiedIsNotSentAgainWhenTheTurnIsReplayed()
    {
        // First life: the turn answers, the reply reaches the channel, and the process dies before the turn's commit.
        var delivered = new RecordingTransport(Channel);
        var (first, _) = StartHost(delivered, dieBeforeCommit: true);
        await PostAsync(first, Message("k-1", "conv-killed", "where is my order?"));
        await first.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None);
        var reply = Assert.Single(delivered.Sent);
        var pending = Assert.Single(await first.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None));
        Assert.Single(pending.Replied);
        await first.DisposeAsync();

        // Second life on the same file: the turn runs again and commits, but the customer does not get the reply twice.
        var transport = new RecordingTransport(Channel);
        var (second, commits) = StartHost(transport);
        await using (second)
        {
            Assert.NotNull((await commits.NextCommitAsync()).CompletesInboxItem);
            Assert.Empty(transport.Sent);
            Assert.Empty(await second.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None));
            var transcript = await second.Services.GetRequiredService<ITranscriptStore>().ReadAsync(Channel, "conv-killed", CancellationToken.None);
            Assert.Collection(transcript,
                inbound => Assert.Equal(("k-1", RoleTypes.User), (inbound.Id, inbound.From?.Role)),
                outbound => Assert.Equal(("k-1", RoleTypes.Bot, reply.Text), (outbound.ReplyToId, outbound.From?.Role, outbound.Text)));
        }
    }

    [Fact]
    public async Task ARedeliveredActivityIsAcknowledgedButNotAnsweredAgain()
    {
        var transport = new RecordingTransport(Channel);
        var (factory, commits) = StartHost(transport);
        await using var _ = factory;

        await PostAsync(factory, Message("d-1", "conv-dup", "where is my order?"));
        await PostAsync(factory, Message("d-1", "conv-dup", "where is my order?"));
        await PostAsync(factory, Message("d-2", "conv-dup", "how do I reset my password"));
        await commits.NextCommitAsync();
        await commits.NextCommitAsync();

        Assert.Equal(["d-1", "d-2"], transport.Sent.Select(a => a.ReplyToId));
        var transcript = await factory.Services.GetRequiredService<ITranscriptStore>().ReadAsync(Channel, "conv-dup", CancellationToken.None);
        Assert.Equal(["d-1", null, "d-2", null], transcript.Select(a => a.From?.Role == RoleTypes.User ? a.Id : null));
    }
}

/// <summary>A process that dies between a queued turn's replies and its commit: the commit that finishes an inbox item never happens.</summary>
internal sealed class DyingTurnStore(ITurnStore inner) : ITurnStore
{
    public Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken) =>
        commit.CompletesInboxItem is null ? inner.CommitAsync(commit, cancellationToken) : throw new IOException("the process died before the turn's commit");
}
