using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HandoffBot.Hosting;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Hosting.DirectLine;

/// <summary>
/// A queued turn whose process died after its replies reached the Direct Line log but before they were recorded
/// against the inbox item (and before the commit) is replayed at the next start; the customer's history holds each
/// reply once, with the ids of the first life (the replies are appended with their item's and position's key); an
/// outbox row sent again (sent, not marked, then killed) is shown once (keyed by the row and the part).
/// </summary>
public sealed class DirectLineExactlyOnceTests : IDisposable
{
    private const string Secret = "exactly-once-test-secret-0123456789";
    private readonly TempDataFolder _folder = new("handoffbot-dl-once-");

    public void Dispose() => _folder.Dispose();

    /// <summary>A bot on the data folder; <paramref name="dying"/>: replies are never recorded and no turn commits (the process dies after sending).</summary>
    private (BotFactory Factory, SignallingTurnStore Commits) StartHost(bool dying) =>
        DurableBot.Start(_folder.Path, dying, services =>
        {
            if (dying)
            {
                services.AddSingleton<IInboxStore>(sp => new UnrecordedRepliesInbox(ActivatorUtilities.CreateInstance<SqliteInboxStore>(sp)));
            }
        }, ("DirectLine:Secret", Secret));

    [Fact]
    public async Task ATurnReplayedAfterTheProcessDiedBetweenTheDirectLineAppendAndTheRecordShowsTheCustomerEachReplyOnce()
    {
        // First life: the greeting and the answer reach the customer's Direct Line log; neither is recorded, nothing commits.
        var (first, _) = StartHost(dying: true);
        string conversationId, token;
        using (var client = first.CreateClient())
        {
            var started = await SendAsync(client, HttpMethod.Post, "/v3/directline/conversations", Secret);
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            var body = await started.Content.ReadFromJsonAsync<JsonElement>();
            (conversationId, token) = (body.GetProperty("conversationId").GetString()!, body.GetProperty("token").GetString()!);
            var posted = await SendAsync(client, HttpMethod.Post, $"/v3/directline/conversations/{conversationId}/activities", token,
                """{"type":"message","text":"where is my order?"}""");
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            await first.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None);
        }
        var pending = await first.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None);
        Assert.NotEmpty(pending);
        Assert.All(pending, item => Assert.Empty(item.Replied));
        var before = await HistoryAsync(first, conversationId, token);
        Assert.Single(before, a => a.Text?.Contains("Account > Orders", StringComparison.Ordinal) == true);
        await first.DisposeAsync();

        // Second life on the same file: every pending turn runs again and commits; the history is unchanged.
        var (second, commits) = StartHost(dying: false);
        await using (second)
        {
            for (var i = 0; i < pending.Count; i++)
            {
                Assert.NotNull((await commits.NextCommitAsync()).CompletesInboxItem);
            }
            Assert.Empty(await second.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None));
            var after = await HistoryAsync(second, conversationId, token);
            Assert.Equal(before.Select(a => (a.Id, a.Text)), after.Select(a => (a.Id, a.Text)));
            var transcript = await second.Services.GetRequiredService<ITranscriptStore>().ReadAsync("directline", conversationId, CancellationToken.None);
            var answer = Assert.Single(transcript, a => a.Text?.Contains("Account > Orders", StringComparison.Ordinal) == true);
            Assert.Equal(Assert.Single(before, a => a.Text == answer.Text).Id, answer.Id);
        }
    }

    [Fact]
    public async Task AnOutboxRowSentAgainToADirectLineCustomerIsShownOnceWithTheIdsOfTheFirstSend()
    {
        var (factory, _) = StartHost(dying: false);
        await using var _ = factory;
        string conversationId, token;
        using (var client = factory.CreateClient())
        {
            var body = await (await SendAsync(client, HttpMethod.Post, "/v3/directline/conversations", Secret)).Content.ReadFromJsonAsync<JsonElement>();
            (conversationId, token) = (body.GetProperty("conversationId").GetString()!, body.GetProperty("token").GetString()!);
        }
        await factory.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None);
        var adapter = factory.Services.GetRequiredService<ChannelAdapter>();
        var reference = new ConversationReference { ChannelId = "directline", Conversation = new ConversationAccount { Id = conversationId } };
        Activity[] parts =
        [
            new() { Type = ActivityTypes.Message, ChannelId = "directline", Conversation = reference.Conversation, Text = "Agent Alex: your parcel left the depot" },
            new() { Type = ActivityTypes.Message, ChannelId = "directline", Conversation = reference.Conversation, Text = "Agent Alex: tracking number 42" },
        ];

        // The dispatcher sends a row, the process dies before marking it sent, and the restarted dispatcher sends it again.
        IReadOnlyList<ResourceResponse> first = [], again = [];
        await adapter.ContinueConversationAsync(reference, "relay-m1", async (turn, ct) => first = await turn.SendActivitiesAsync(parts, ct), CancellationToken.None);
        await adapter.ContinueConversationAsync(reference, "relay-m1", async (turn, ct) => again = await turn.SendActivitiesAsync(parts, ct), CancellationToken.None);
        await adapter.ContinueConversationAsync(reference, "relay-m2", (turn, ct) => turn.SendActivitiesAsync([parts[1]], ct), CancellationToken.None);

        Assert.Equal(first.Select(r => r.Id), again.Select(r => r.Id));
        var relayed = (await HistoryAsync(factory, conversationId, token)).Where(a => a.Text?.StartsWith("Agent Alex", StringComparison.Ordinal) == true).ToList();
        Assert.Equal([first[0].Id, first[1].Id], relayed.Take(2).Select(a => a.Id));
        Assert.Equal([parts[0].Text, parts[1].Text, parts[1].Text], relayed.Select(a => a.Text)); // another row with the same text is its own message
    }

    private static async Task<List<Activity>> HistoryAsync(BotFactory factory, string conversationId, string token)
    {
        using var client = factory.CreateClient();
        var response = await SendAsync(client, HttpMethod.Get, $"/v3/directline/conversations/{conversationId}/activities?watermark=", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var set = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. set.GetProperty("activities").EnumerateArray().Select(a => a.Deserialize(ProtocolJsonContext.Default.Activity)!)];
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string bearer, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        return await client.SendAsync(request);
    }
}

/// <summary>A process that dies right after each reply reached the channel: the reply is never recorded against its item.</summary>
internal sealed class UnrecordedRepliesInbox(IInboxStore inner) : IInboxStore
{
    public Task<InboxItem?> AddAsync(Activity activity, CancellationToken cancellationToken) => inner.AddAsync(activity, cancellationToken);

    public Task<IReadOnlyList<InboxItem>> ReadPendingAsync(CancellationToken cancellationToken) => inner.ReadPendingAsync(cancellationToken);

    public Task MarkRepliedAsync(long itemId, int position, string? activityId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> IsToRunHereAsync(long itemId, CancellationToken cancellationToken) => inner.IsToRunHereAsync(itemId, cancellationToken);
}
