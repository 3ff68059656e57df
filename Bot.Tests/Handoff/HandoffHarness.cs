using System.Net.Http.Json;
using System.Text.Json;
using HandoffBot.Assistant;
using HandoffBot.Escalation;
using HandoffBot.Handoff;
using HandoffBot.Hosting;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Handoff;

/// <summary>
/// The bot over HTTP with two fake Connectors on loopback: one for the customer's channel, one for the agent hub.
/// Time is fake; tests await what the fake Connectors receive.
/// </summary>
public sealed class HandoffHarness : IAsyncDisposable
{
    public const string HubConversation = "hub-conversation";
    public const string TeamsChannel = "19:agents@thread.tacv2";
    public const string Tenant = "tenant-1";

    private int _ids;

    // Activity ids stay unique across a restart (a channel never reuses one; the inbox would take it for a replay).
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private string _hubChannel = "emulator";
    private Action<BotFactory>? _configure;
    private bool _restarted;
    private bool _sharesConnectors;

    private HandoffHarness(FakeConnector customer, FakeConnector hub, BotFactory factory)
    {
        Customer = customer;
        Hub = hub;
        Factory = factory;
        Client = factory.CreateClient();
    }

    public FakeConnector Customer { get; }

    public FakeConnector Hub { get; }

    public BotFactory Factory { get; }

    public HttpClient Client { get; }

    public T Service<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    /// <summary>
    /// Starts the bot as Program.cs composes it (the real escalation triggers) with the hub on <paramref name="hubChannel"/>
    /// (<c>emulator</c>: events; <c>msteams</c>: cards in a Teams channel) and the default roster (Alex, Sam, Priya).
    /// One extra category: anything "quantum" needs a skill nobody on the roster has.
    /// </summary>
    public static async Task<HandoffHarness> StartAsync(string hubChannel = "emulator", Action<BotFactory>? configure = null) =>
        await StartOnAsync(await FakeConnector.StartAsync(), await FakeConnector.StartAsync(), hubChannel, configure, now: null);

    /// <summary>
    /// Stops this bot without draining anything (as a crash would) and starts a new one with the same configuration, the
    /// same fake Connectors and the clock where this one's was: with a SQLite file (<c>Storage:SqliteConnectionString</c>
    /// set by the configure callback) it sees everything this one committed. Dispose the returned harness, not this one.
    /// </summary>
    public async Task<HandoffHarness> RestartAsync()
    {
        var now = Factory.Time.GetUtcNow();
        _restarted = true;
        Client.Dispose();
        await Factory.DisposeAsync();
        return await StartOnAsync(Customer, Hub, _hubChannel, _configure, now);
    }

    /// <summary>
    /// Starts another instance of the bot on the same fake Connectors (the channel and the hub reach every instance),
    /// configured by <paramref name="configure"/> (e.g. the same PostgreSQL schema). Dispose it before this one.
    /// </summary>
    public async Task<HandoffHarness> StartAnotherInstanceAsync(Action<BotFactory> configure)
    {
        var other = await StartOnAsync(Customer, Hub, _hubChannel, configure, Factory.Time.GetUtcNow());
        other._sharesConnectors = true;
        return other;
    }

    private static async Task<HandoffHarness> StartOnAsync(FakeConnector customer, FakeConnector hub, string hubChannel, Action<BotFactory>? configure, DateTimeOffset? now)
    {
        var factory = new BotFactory()
            .With("Handoff:Hub:ChannelId", hubChannel)
            .With("Handoff:Hub:ServiceUrl", hub.Url)
            .With("Handoff:Hub:BotId", "bot-hub")
            .With("Routing:OfferTimeout", "00:00:45")
            .With("Routing:MaxWait", "00:15:00")
            .With("Routing:FallbackSkill", "")
            // A category nobody on the roster is qualified for, to see the no-qualified-agent path.
            .With("Escalation:Triggers:Category:Categories:quantum:Queue", "quantum")
            .With("Escalation:Triggers:Category:Categories:quantum:Skill", "quantum")
            .With("Escalation:Triggers:Category:Categories:quantum:Priority", "Normal")
            .With("Escalation:Triggers:Category:Categories:quantum:Phrases:0", "quantum*");
        if (hubChannel == "msteams")
        {
            factory.With("Handoff:Hub:TeamsChannelId", TeamsChannel).With("Handoff:Hub:TenantId", Tenant);
        }
        else
        {
            factory.With("Handoff:Hub:ConversationId", HubConversation);
        }
        configure?.Invoke(factory);
        if (now is { } at)
        {
            factory.Time.SetUtcNow(at);
        }
        var harness = new HandoffHarness(customer, hub, factory) { _hubChannel = hubChannel, _configure = configure };
        await harness.Service<HandoffSweep>().SweepAsync(CancellationToken.None); // roster loaded before the first turn
        return harness;
    }

    public Activity CustomerMessage(string text, string conversation = "customer-conversation", string channel = "emulator", string userId = "customer-1", string name = "Sam Okafor") => new()
    {
        Type = ActivityTypes.Message,
        Id = $"c-{_run}-{Interlocked.Increment(ref _ids)}",
        ChannelId = channel,
        ServiceUrl = Customer.Url,
        Conversation = new ConversationAccount { Id = conversation },
        From = new ChannelAccount { Id = userId, Name = name, Role = RoleTypes.User },
        Recipient = new ChannelAccount { Id = "bot", Name = "HandoffBot", Role = RoleTypes.Bot },
        Text = text,
        Locale = "en-US",
        Timestamp = Factory.Time.GetUtcNow(),
    };

    /// <summary>An agent's message in the hub: the shared hub conversation, or a Teams thread of the hub channel.</summary>
    public Activity AgentMessage(string text, string agentId, string agentName, string? thread = null)
    {
        var teams = thread is not null;
        return new Activity
        {
            Type = ActivityTypes.Message,
            Id = $"a-{_run}-{Interlocked.Increment(ref _ids)}",
            ChannelId = teams ? "msteams" : "emulator",
            ServiceUrl = Hub.Url,
            Conversation = new ConversationAccount { Id = thread ?? HubConversation, IsGroup = true, TenantId = teams ? Tenant : null },
            From = new ChannelAccount { Id = agentId, Name = agentName, AadObjectId = teams ? agentId : null },
            Recipient = new ChannelAccount { Id = "bot-hub", Name = "HandoffBot" },
            Text = text,
            ChannelData = teams ? JsonSerializer.SerializeToElement(new { tenant = new { id = Tenant }, channel = new { id = TeamsChannel } }) : null,
            Timestamp = Factory.Time.GetUtcNow(),
        };
    }

    public async Task<HttpResponseMessage> PostAsync(Activity activity)
    {
        var response = await Client.PostAsJsonAsync("/api/messages", activity, ProtocolJsonContext.Default.Activity);
        Assert.True(response.IsSuccessStatusCode, $"POST /api/messages answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>Waits until a request the connector received matches, and returns its activity.</summary>
    public static async Task<Activity> ReceivedAsync(FakeConnector connector, Func<Activity, bool> match, string what)
    {
        var seen = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var requests = connector.Requests;
            for (var i = 0; i < requests.Count; i++)
            {
                if (requests[i].Method == "POST" && requests[i].Body.Length > 0 && TryActivity(requests[i]) is { } activity && match(activity))
                {
                    return activity;
                }
            }
            seen = requests.Count;
            try
            {
                await connector.WaitForRequestsAsync(seen + 1, TimeSpan.FromSeconds(30)).WaitAsync(timeout.Token);
            }
            catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
            {
                throw new TimeoutException($"Never received {what}. Got: " + string.Join(" | ", connector.Requests.Select(r => TryActivity(r) is { } a ? $"{a.Type} {a.Name} '{a.Text}'" : r.RawTarget)));
            }
        }
    }

    /// <summary>
    /// Moves fake time once no turn is running and no delivery is in flight: a Connector call's attempt timeout runs on
    /// the same clock, so moving time under it would retry it (a second copy) or leave a retry waiting for time that
    /// never moves again.
    /// </summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        await TurnsCommittedAsync();
        await Service<OutboxDispatcher>().WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Factory.Time.Advance(by);
    }

    /// <summary>Lets every due send happen, then moves the clock in steps until <paramref name="done"/> holds (or a bound is reached).</summary>
    public async Task RunClockUntilAsync(Func<bool> done, TimeSpan step, TimeSpan atMost)
    {
        var dispatcher = Service<OutboxDispatcher>();
        for (var moved = TimeSpan.Zero; ; moved += step)
        {
            await TurnsCommittedAsync();
            await dispatcher.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            if (done() || moved >= atMost)
            {
                return;
            }
            Factory.Time.Advance(step);
        }
    }

    /// <summary>Waits until every queued turn so far has committed (replies leave before their turn's commit).</summary>
    public Task TurnsCommittedAsync() => Service<TurnQueue>().WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

    public Task<Activity> CustomerReceivedAsync(string fragment) =>
        ReceivedAsync(Customer, a => a.Text?.Contains(fragment, StringComparison.OrdinalIgnoreCase) == true, $"a customer message containing '{fragment}'");

    public Task<Activity> HubReceivedAsync(string fragment) =>
        ReceivedAsync(Hub, a => a.Text?.Contains(fragment, StringComparison.OrdinalIgnoreCase) == true, $"a hub message containing '{fragment}'");

    public Task<Activity> HubEventAsync(string name, string? state = null) =>
        ReceivedAsync(Hub, a => a.IsType(ActivityTypes.Event) && a.Name == name
            && (state is null || (a.Value is { } v && v.TryGetProperty("state", out var s) && s.GetString() == state)), $"event {name} {state}");

    /// <summary>The offer message for a handoff: whom it mentions.</summary>
    public async Task<string> OfferedToAsync(int nth = 1)
    {
        await ReceivedAsync(Hub, _ => CountHub(IsOffer) >= nth, $"offer #{nth}");
        var offer = Hub.Requests.Select(TryActivity).Where(a => a is not null && IsOffer(a)).ElementAt(nth - 1)!;
        var mention = Assert.Single(offer.Entities!, e => e.Type == "mention");
        return mention.Properties!["mentioned"].GetProperty("id").GetString()!;
    }

    private static bool IsOffer(Activity activity) => activity.Text?.Contains("is offered to you", StringComparison.Ordinal) == true;

    /// <summary>The roster's agent id behind a hub user id (<c>agent-alex</c> is <c>alex</c>).</summary>
    public static string AgentIdOf(string hubUserId) => hubUserId.Replace("agent-", string.Empty, StringComparison.Ordinal);

    public int CountCustomer(string fragment) =>
        Customer.Requests.Count(r => TryActivity(r)?.Text?.Contains(fragment, StringComparison.OrdinalIgnoreCase) == true);

    public int CountHub(Func<Activity, bool> match) => Hub.Requests.Count(r => TryActivity(r) is { } a && match(a));

    private static Activity? TryActivity(CapturedRequest request)
    {
        try
        {
            return request.Body.Length > 0 ? request.Activity : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_restarted)
        {
            return;
        }
        Client.Dispose();
        await Factory.DisposeAsync();
        if (_sharesConnectors)
        {
            return;
        }
        await Customer.DisposeAsync();
        await Hub.DisposeAsync();
    }
}
