using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using HandoffBot.Hosting.DirectLine;
using HandoffBot.Protocol;
using HandoffBot.Storage.Postgres;
using HandoffBot.Tests.Storage.Contracts;
using HandoffBot.Tests.Support;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Hosting.DirectLine;

/// <summary>
/// Two instances of the bot on one PostgreSQL schema (each its own host, pools, listener, fake clock and data folder):
/// a Web Chat client's WebSocket on instance A hears, in order and once each, what instance B appends to its
/// conversation (NOTIFY, or the periodic catch-up when a notification was lost); positions stay dense when both append
/// at once; a replacement made on B reaches A; typing sent through B reaches A's stream (NOTIFY, not stored); an upload
/// posted to A is served by B.
/// </summary>
public sealed class PostgresDirectLineInstancesTests : IAsyncLifetime
{
    private const string Secret = "postgres-test-secret-0123456789"; // BotFactory.OnSharedPostgres
    private static readonly TimeSpan CatchUpInterval = TimeSpan.FromSeconds(1); // shorter than the listener's first reconnect delay (1.5 s)

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly DirectoryInfo _dataA = Directory.CreateTempSubdirectory("handoffbot-dl-a-");
    private readonly DirectoryInfo _dataB = Directory.CreateTempSubdirectory("handoffbot-dl-b-");
    private string _schema = null!;
    private BotFactory _a = null!;
    private BotFactory _b = null!;
    private HttpClient _clientA = null!;
    private HttpClient _clientB = null!;

    private string InstanceA => $"dl-a-{_run}";

    public Task InitializeAsync()
    {
        (_schema, var connectionString) = PostgresTestDatabase.CreateSchema();
        _a = Instance(connectionString, InstanceA, _dataA);
        _clientA = _a.CreateClient();
        _b = Instance(connectionString, $"dl-b-{_run}", _dataB);
        _clientB = _b.CreateClient();
        return Task.CompletedTask;
    }

    private static BotFactory Instance(string connectionString, string name, DirectoryInfo data) =>
        new BotFactory().OnSharedPostgres(connectionString, name)
            .With("Storage:DataFolder", data.FullName)
            .With("DirectLine:CatchUpInterval", CatchUpInterval.ToString())
            .With("DirectLine:MaxUploadBytes", "4096");

    public async Task DisposeAsync()
    {
        _clientB.Dispose();
        _clientA.Dispose();
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        PostgresTestDatabase.DropSchema(_schema);
        _dataA.Delete(recursive: true);
        _dataB.Delete(recursive: true);
    }

    [Fact]
    public async Task AClientOnInstanceAHearsInOrderAndOnceEachTheMessagesPostedThroughInstanceBAndTheRepliesMadeThere()
    {
        var conversation = await StartOnAAsync();
        using var socket = await ConnectAsync(_a, conversation);
        var frames = await ReceiveUntilAsync(socket, seen => seen.Any(a => a.IsType(ActivityTypes.Message))); // the greeting, made on A

        string? last = null;
        foreach (var question in new[] { "how long does delivery take", "can I pay with PayPal", "do you ship internationally" })
        {
            var posted = await PostAsync(_clientB, conversation, $$$"""{"type":"message","text":"{{{question}}}","channelData":{"clientActivityID":"{{{question}}}"}}""");
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            last = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        }
        frames.AddRange(await ReceiveUntilAsync(socket, seen => seen.Any(a => a.ReplyToId == last)));

        var stored = AssertDenseAndOnce(frames);
        var log = (await GetActivitiesAsync(_clientB, conversation)).Select(a => a.Id).ToList();
        Assert.Equal(log.Take(stored.Count), stored.Select(a => a.Id)); // exactly the store's log, in its order
        Assert.Equal(3, stored.Count(a => a.From?.Role == RoleTypes.User && a.ChannelData?.TryGetProperty("clientActivityID", out _) == true));
        Assert.Contains(stored, a => a.ReplyToId == last && a.From?.Role == RoleTypes.Bot);
    }

    [Fact]
    public async Task TwoInstancesAppendingToOneConversationAtOnceGetDistinctConsecutivePositionsAndTheStreamGetsEachOnceInOrder()
    {
        var conversation = await StartOnAAsync();
        using var socket = await ConnectAsync(_a, conversation);
        var frames = await ReceiveUntilAsync(socket, seen => seen.Any(a => a.IsType(ActivityTypes.Message)));
        var (hubA, hubB) = (_a.Services.GetRequiredService<DirectLineHub>(), _b.Services.GetRequiredService<DirectLineHub>());
        var before = await _a.Services.GetRequiredService<IDirectLineStore>().LastPositionAsync(conversation.Id, CancellationToken.None);

        var appends = Enumerable.Range(0, 40).SelectMany(i => new[] { ("a", hubA, i), ("b", hubB, i) })
            .Select(x => Task.Run(() => x.Item2.AppendAsync(conversation.Id, new Activity { Type = ActivityTypes.Message, From = x.Item2.Bot, Text = $"{x.Item1}{x.Item3}" }, CancellationToken.None)));
        var appended = await Task.WhenAll(appends);
        frames.AddRange(await ReceiveUntilAsync(socket, seen => seen.Count(a => a.Text is ['a' or 'b', ..]) >= 80));

        Assert.Equal(Enumerable.Range((int)before + 1, 80).Select(p => $"{conversation.Id}|{p:D7}"), appended.Select(a => a.Id).Order(StringComparer.Ordinal));
        var stored = AssertDenseAndOnce(frames);
        var texts = stored.Where(a => a.Text is ['a' or 'b', ..]).Select(a => a.Text!).ToList();
        Assert.Equal(Enumerable.Range(0, 40).SelectMany(i => new[] { $"a{i}", $"b{i}" }).Order(StringComparer.Ordinal), texts.Order(StringComparer.Ordinal));
        Assert.Equal(before + 80, await _b.Services.GetRequiredService<IDirectLineStore>().LastPositionAsync(conversation.Id, CancellationToken.None));
    }

    [Fact]
    public async Task AnAppendWhoseNotificationWasLostWhileInstanceAWasNotListeningReachesItsStreamAtTheNextCatchUp()
    {
        var conversation = await StartOnAAsync();
        using var socket = await ConnectAsync(_a, conversation);
        var frames = await ReceiveUntilAsync(socket, seen => seen.Any(a => a.IsType(ActivityTypes.Message)));
        var hubB = _b.Services.GetRequiredService<DirectLineHub>();
        // Heard through A's listener (no clock moved), so it is connected.
        await hubB.AppendAsync(conversation.Id, new Activity { Type = ActivityTypes.Message, From = hubB.Bot, Text = "heard" }, CancellationToken.None);
        frames.AddRange(await ReceiveUntilAsync(socket, seen => seen.Any(a => a.Text == "heard")));

        var reconnect = _a.Time.WaitForTimerAsync(PostgresChangeListener.FirstRetry);
        await PostgresTestDatabase.TerminateSessionAsync(PostgresChangeListener.ApplicationNameOf(InstanceA));
        await reconnect; // A noticed and waits 1.5 s before listening again: B's notification now goes to nobody
        await hubB.AppendAsync(conversation.Id, new Activity { Type = ActivityTypes.Message, From = hubB.Bot, Text = "missed" }, CancellationToken.None);

        _a.Time.Advance(CatchUpInterval); // the catch-up timer, before the listener is back
        frames.AddRange(await ReceiveUntilAsync(socket, seen => seen.Any(a => a.Text == "missed")));

        var stored = AssertDenseAndOnce(frames);
        Assert.Equal(["heard", "missed"], stored.TakeLast(2).Select(a => a.Text));
    }

    [Fact]
    public async Task AnActivityReplacedOnInstanceBReachesTheStreamOnInstanceAInItsNewVersion()
    {
        var conversation = await StartOnAAsync();
        using var socket = await ConnectAsync(_a, conversation);
        await ReceiveUntilAsync(socket, seen => seen.Any(a => a.IsType(ActivityTypes.Message)));
        var hubB = _b.Services.GetRequiredService<DirectLineHub>();
        var card = await hubB.AppendAsync(conversation.Id, new Activity { Type = ActivityTypes.Message, From = hubB.Bot, Text = "Your position in the queue: 3" }, CancellationToken.None);
        await ReceiveUntilAsync(socket, seen => seen.Any(a => a.Id == card.Id));

        Assert.True(await hubB.ReplaceAsync(conversation.Id, card with { Text = "Your position in the queue: 2" }, CancellationToken.None));

        var update = (await ReceiveUntilAsync(socket, seen => seen.Any(a => a.Id == card.Id))).SelectMany(f => f.Activities).Single(a => a.Id == card.Id);
        Assert.Equal("Your position in the queue: 2", update.Text);
        Assert.Equal("Your position in the queue: 2", (await GetActivitiesAsync(_clientA, conversation)).Single(a => a.Id == card.Id).Text);
    }

    [Fact]
    public async Task TypingSentThroughInstanceBReachesTheStreamOnInstanceAAsFromTheBotAndIsNotStored()
    {
        var conversation = await StartOnAAsync();
        using var socket = await ConnectAsync(_a, conversation);
        await ReceiveUntilAsync(socket, seen => seen.Any(a => a.IsType(ActivityTypes.Message)));
        var hubB = _b.Services.GetRequiredService<DirectLineHub>();
        var store = _b.Services.GetRequiredService<IDirectLineStore>();
        var before = await store.LastPositionAsync(conversation.Id, CancellationToken.None);

        // What the transport does with an agent's typing taken by B (no stream of this conversation on B; no clock moves).
        await hubB.PushTransientAsync(conversation.Id, new Activity { Type = ActivityTypes.Typing, From = hubB.Bot, Conversation = new ConversationAccount { Id = conversation.Id } }, CancellationToken.None);

        var frames = await ReceiveUntilAsync(socket, seen => seen.Any(a => a.IsType(ActivityTypes.Typing)));
        var typing = frames.SelectMany(f => f.Activities).Single(a => a.IsType(ActivityTypes.Typing));
        Assert.Equal((hubB.Bot.Id, hubB.Bot.Name, RoleTypes.Bot), (typing.From?.Id, typing.From?.Name, typing.From?.Role));
        Assert.Equal(conversation.Id, typing.Conversation?.Id);
        Assert.Equal(before, await store.LastPositionAsync(conversation.Id, CancellationToken.None));
    }

    [Fact]
    public async Task AnUploadPostedToInstanceAIsServedByInstanceBAndNoFileIsWritten()
    {
        var conversation = await StartOnAAsync();
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 7, 8, 9];
        using var form = DirectLineFrames.UploadForm(png, "image/png", "receipt.png");
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/upload") { Content = form };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", conversation.Token);
        Assert.Equal(HttpStatusCode.OK, (await _clientA.SendAsync(upload)).StatusCode);

        var message = (await GetActivitiesAsync(_clientB, conversation)).Single(a => a.Attachments is { Count: > 0 });
        var served = await _clientB.GetAsync(new Uri(message.Attachments![0].ContentUrl!).PathAndQuery);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png, await served.Content.ReadAsByteArrayAsync());
        Assert.False(Directory.Exists(Path.Combine(_dataA.FullName, "directline-uploads")));
        Assert.Equal(HttpStatusCode.NotFound, (await _clientB.GetAsync("/v3/directline/attachments/att_00000000000000000000000000000000")).StatusCode);
    }

    /// <summary>
    /// The stored activities of the frames (typing has no position): positions one after the other, each once, and each
    /// frame's watermark the position of its last activity. Returns them in the order received.
    /// </summary>
    private static List<Activity> AssertDenseAndOnce(List<Frame> frames)
    {
        var stored = new List<Activity>();
        foreach (var frame in frames.Where(f => f.Activities.Any(a => a.Id?.Contains('|', StringComparison.Ordinal) == true)))
        {
            foreach (var activity in frame.Activities)
            {
                var position = long.Parse(activity.Id!.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(stored.Count + 1, position);
                stored.Add(activity);
            }
            Assert.Equal(stored.Count, frame.Watermark);
        }
        return stored;
    }

    private sealed record Conversation(string Id, string Token, string StreamUrl);

    private sealed record Frame(long Watermark, IReadOnlyList<Activity> Activities);

    private async Task<Conversation> StartOnAAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/conversations");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
        var response = await _clientA.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Conversation(body.GetProperty("conversationId").GetString()!, body.GetProperty("token").GetString()!, body.GetProperty("streamUrl").GetString()!);
    }

    private static async Task<WebSocket> ConnectAsync(BotFactory instance, Conversation conversation)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await instance.Server.CreateWebSocketClient().ConnectAsync(new Uri(conversation.StreamUrl), timeout.Token);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, Conversation conversation, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/activities")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", conversation.Token);
        return await client.SendAsync(request);
    }

    private static async Task<List<Activity>> GetActivitiesAsync(HttpClient client, Conversation conversation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{conversation.Id}/activities");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", conversation.Token);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. body.GetProperty("activities").EnumerateArray().Select(a => a.Deserialize(ProtocolJsonContext.Default.Activity)!)];
    }

    /// <summary>Reads stream frames (keep-alives skipped) until <paramref name="done"/> holds for the activities seen by this call. Fails after 30 s.</summary>
    private static async Task<List<Frame>> ReceiveUntilAsync(WebSocket socket, Func<List<Activity>, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var frames = new List<Frame>();
        var seen = new List<Activity>();
        var buffer = new byte[512 * 1024];
        while (!done(seen))
        {
            if (await DirectLineFrames.ReadAsync(socket, buffer, timeout.Token) is not { } set)
            {
                continue; // keep-alive
            }
            var frame = new Frame(long.Parse(set.Watermark!, System.Globalization.CultureInfo.InvariantCulture), set.Activities);
            frames.Add(frame);
            seen.AddRange(frame.Activities);
        }
        return frames;
    }
}
