using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Handoff;

/// <summary>
/// The outbox against a channel's limits: the real bot and its dispatcher, the hub's fake Connector on loopback noting
/// the fake time of every request it receives. Time only moves when a test moves it.
/// </summary>
public class OutboxPacingTests
{
    /// <summary>The storage provider under the bot (SQLite unless overridden).</summary>
    protected virtual void OnProvider(BotFactory factory)
    {
    }

    private const string Teams = "msteams";

    /// <summary>One request as the fake Connector saw it: which message, when (fake time), and whether it was accepted.</summary>
    private sealed record Arrival(string Conversation, string Text, DateTimeOffset At, bool Accepted);

    /// <summary>A bot whose hub Connector answers through <paramref name="answer"/> (null: accepted) and notes every arrival.</summary>
    private async Task<(HandoffHarness Bot, List<Arrival> Arrivals)> StartAsync(Func<Activity, DateTimeOffset, ScriptedResponse?>? answer = null, Action<BotFactory>? configure = null)
    {
        var bot = await HandoffHarness.StartAsync(configure: f =>
        {
            OnProvider(f);
            configure?.Invoke(f);
        });
        var arrivals = new List<Arrival>();
        var ids = 0;
        bot.Hub.Otherwise = request =>
        {
            var activity = request.Activity;
            var now = bot.Factory.Time.GetUtcNow();
            var response = answer?.Invoke(activity, now) ?? ScriptedResponse.Ok($$"""{"id":"hub-{{Interlocked.Increment(ref ids)}}"}""");
            lock (arrivals)
            {
                arrivals.Add(new Arrival(activity.Conversation!.Id!, activity.Text ?? string.Empty, now, response.Status == 200));
            }
            return response;
        };
        return (bot, arrivals);
    }

    private static OutboxMessage Message(HandoffHarness bot, string conversation, string handoff, int n, string channel = Teams, string tenant = HandoffHarness.Tenant) =>
        new($"pacing:{conversation}:{handoff}:{n}", handoff, new Activity
        {
            Type = ActivityTypes.Message,
            ChannelId = channel,
            ServiceUrl = bot.Hub.Url,
            Conversation = new ConversationAccount { Id = conversation, IsGroup = true, TenantId = tenant },
            From = new ChannelAccount { Id = "bot-hub", Name = "HandoffBot" },
            Recipient = new ChannelAccount { Id = "agents" },
            Text = $"{handoff} #{n}",
        }, ToCustomer: false);

    private static List<Arrival> Snapshot(List<Arrival> arrivals)
    {
        lock (arrivals)
        {
            return [.. arrivals];
        }
    }

    /// <summary>The most requests any span of <paramref name="window"/> saw, ending at a request (a sliding window, start exclusive).</summary>
    private static int MostWithin(IReadOnlyList<Arrival> arrivals, TimeSpan window) =>
        arrivals.Max(last => arrivals.Count(a => a.At > last.At - window && a.At <= last.At));

    [Fact]
    public async Task ABurstIntoOneTeamsConversationIsDeliveredWithinTeamsLimitsInOrderAndNothingDropped()
    {
        var (bot, arrivals) = await StartAsync();
        await using var _ = bot;
        var outbox = bot.Service<IHandoffOutbox>();
        var start = bot.Factory.Time.GetUtcNow();
        const string hub = "19:hub-chat@thread.v2";
        var handoffs = new[] { "h1", "h2", "h3", "h4", "h5" };

        // 5 handoffs with 14 messages each into one Teams group chat: 70 messages at one instant.
        for (var n = 1; n <= 14; n++)
        {
            foreach (var handoff in handoffs)
            {
                Assert.True(await outbox.EnqueueAsync(Message(bot, hub, handoff, n), CancellationToken.None));
            }
        }
        await bot.Hub.WaitForRequestsAsync(7);
        await bot.RunClockUntilAsync(() => Snapshot(arrivals).Count >= 70, TimeSpan.FromMilliseconds(250), TimeSpan.FromMinutes(3));

        var got = Snapshot(arrivals);
        Assert.Equal(70, got.Count);
        Assert.All(got, a => Assert.True(a.Accepted));
        Assert.Equal(70, got.Select(a => a.Text).Distinct().Count()); // each message once
        foreach (var handoff in handoffs)
        {
            var numbers = got.Where(a => a.Text.StartsWith(handoff + " ", StringComparison.Ordinal)).Select(a => int.Parse(a.Text.Split('#')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(1, 14), numbers); // in order per destination
        }
        // Teams' per-thread limits, counted over the requests the Connector received.
        Assert.Equal(7, got.Count(a => a.At == start)); // the burst allowance goes at once
        Assert.True(MostWithin(got, TimeSpan.FromSeconds(1)) <= 7, $"{MostWithin(got, TimeSpan.FromSeconds(1))} requests within 1 s");
        Assert.True(MostWithin(got, TimeSpan.FromSeconds(2)) <= 8, $"{MostWithin(got, TimeSpan.FromSeconds(2))} requests within 2 s");
        Assert.True(MostWithin(got, TimeSpan.FromSeconds(30)) <= 60, $"{MostWithin(got, TimeSpan.FromSeconds(30))} requests within 30 s");
        Assert.Equal(TimeSpan.FromSeconds(32), got[^1].At - start); // 60 by 15 s, the last 10 wait for the 30-second window
        Assert.Empty(await outbox.UndeliveredAsync(CancellationToken.None));
    }

    [Fact]
    public async Task OneTeamsEndpointAndTenantGetsAtMostThirtyRequestsASecondAcrossConversations()
    {
        var (bot, arrivals) = await StartAsync();
        await using var _ = bot;
        var outbox = bot.Service<IHandoffOutbox>();
        var start = bot.Factory.Time.GetUtcNow();

        // 45 group chats of one tenant, one message each; and 5 of another tenant, which has its own budget.
        for (var chat = 1; chat <= 45; chat++)
        {
            await outbox.EnqueueAsync(Message(bot, $"19:chat-{chat}@thread.v2", $"t{chat}", 1), CancellationToken.None);
        }
        for (var chat = 1; chat <= 5; chat++)
        {
            await outbox.EnqueueAsync(Message(bot, $"19:other-tenant-{chat}@thread.v2", $"o{chat}", 1, tenant: "tenant-2"), CancellationToken.None);
        }
        await bot.Hub.WaitForRequestsAsync(35);
        await bot.RunClockUntilAsync(() => Snapshot(arrivals).Count >= 50, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));

        var got = Snapshot(arrivals);
        Assert.Equal(50, got.Count);
        var tenant1 = got.Where(a => a.Text.StartsWith('t')).ToList();
        Assert.Equal(30, tenant1.Count(a => a.At == start));
        Assert.True(MostWithin(tenant1, TimeSpan.FromSeconds(1)) <= 30);
        Assert.Equal(start + TimeSpan.FromSeconds(1), tenant1.Max(a => a.At)); // the other 15 a second later
        Assert.All(got.Where(a => a.Text.StartsWith('o')), a => Assert.Equal(start, a.At));
    }

    [Fact]
    public async Task A429HoldsOnlyItsConversationUntilRetryAfterAndDoesNotCountAsAFailedAttempt()
    {
        const string held = "19:busy@thread.v2";
        const string other = "19:quiet@thread.v2";
        DateTimeOffset? throttleUntil = null;
        // The busy conversation answers 429 (Retry-After 60 s) for its first 150 s; a failure would be given up at once.
        var (bot, arrivals) = await StartAsync(
            (activity, now) => activity.Conversation!.Id == held && now < throttleUntil ? ScriptedResponse.TooManyRequests(60) : null,
            f => f.With("Handoff:OutboxGiveUpAfter", "00:00:00"));
        await using var _ = bot;
        var outbox = bot.Service<IHandoffOutbox>();
        var start = bot.Factory.Time.GetUtcNow();
        throttleUntil = start + TimeSpan.FromSeconds(150);

        for (var n = 1; n <= 5; n++)
        {
            await outbox.EnqueueAsync(Message(bot, held, "busy", n), CancellationToken.None);
        }
        for (var n = 1; n <= 3; n++)
        {
            await outbox.EnqueueAsync(Message(bot, other, "quiet", n), CancellationToken.None);
        }

        // The other conversation is not held: all of it goes at once, while the busy one got one 429.
        await HandoffHarness.ReceivedAsync(bot.Hub, a => a.Text == "quiet #3", "the quiet conversation's last message");
        await HandoffHarness.ReceivedAsync(bot.Hub, a => a.Text == "busy #1", "the busy conversation's first message");
        await bot.Service<OutboxDispatcher>().WhenIdleAsync(CancellationToken.None);
        var got = Snapshot(arrivals);
        Assert.Equal(["quiet #1", "quiet #2", "quiet #3"], got.Where(a => a.Conversation == other).Select(a => a.Text));
        Assert.All(got.Where(a => a.Conversation == other), a => Assert.Equal(start, a.At));
        Assert.Equal([("busy #1", false)], got.Where(a => a.Conversation == held).Select(a => (a.Text, a.Accepted)));

        // Nothing before the Retry-After; then 429 twice more (60 s, 120 s), then everything, in order, once.
        bot.Factory.Time.Advance(TimeSpan.FromSeconds(59));
        await bot.Service<OutboxDispatcher>().WhenIdleAsync(CancellationToken.None);
        Assert.Single(Snapshot(arrivals), a => a.Conversation == held);
        await bot.RunClockUntilAsync(() => Snapshot(arrivals).Count(a => a.Conversation == held && a.Accepted) == 5, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

        var busy = Snapshot(arrivals).Where(a => a.Conversation == held).ToList();
        Assert.Equal([start, start + TimeSpan.FromSeconds(60), start + TimeSpan.FromSeconds(120)], busy.Where(a => !a.Accepted).Select(a => a.At));
        Assert.All(busy.Where(a => !a.Accepted), a => Assert.Equal("busy #1", a.Text));
        Assert.Equal(["busy #1", "busy #2", "busy #3", "busy #4", "busy #5"], busy.Where(a => a.Accepted).Select(a => a.Text));
        Assert.All(busy.Where(a => a.Accepted), a => Assert.Equal(start + TimeSpan.FromSeconds(180), a.At));
        Assert.Empty(await outbox.UndeliveredAsync(CancellationToken.None)); // none given up after three 429s
        Assert.NotNull(await outbox.DeliveredIdAsync("pacing:19:busy@thread.v2:busy:1", CancellationToken.None));
    }

    [Fact]
    public async Task AFailureThatIsNotThrottlingIsGivenUpOnceTheRowIsOlderThanOutboxGiveUpAfter()
    {
        var (bot, arrivals) = await StartAsync((_, _) => ScriptedResponse.Error(503, "Unavailable") with
        {
            Headers = new Dictionary<string, string> { ["Retry-After"] = "60" },
        }, f => f.With("Handoff:OutboxGiveUpAfter", "00:00:00"));
        await using var _ = bot;
        var outbox = bot.Service<IHandoffOutbox>();

        await outbox.EnqueueAsync(Message(bot, "19:down@thread.v2", "down", 1), CancellationToken.None);
        await HandoffHarness.ReceivedAsync(bot.Hub, a => a.Text == "down #1", "the message");
        await bot.Service<OutboxDispatcher>().WhenIdleAsync(CancellationToken.None);

        var item = Assert.Single(await outbox.UndeliveredAsync(CancellationToken.None));
        Assert.Equal((OutboxStatus.Failed, 1), (item.Status, item.Attempts));
        Assert.Single(Snapshot(arrivals));
    }

    [Fact]
    public async Task ABurstOfHandoffsIntoAPacedHubConversationReachesTheHubLateButWhole()
    {
        // The emulator hub conversation paced like a slow channel: 2 messages per second.
        var (bot, arrivals) = await StartAsync(configure: f => f
            .With("Handoff:Pacing:Channels:0", "emulator")
            .With("Handoff:Pacing:PerConversation:0:Limit", "2")
            .With("Handoff:Pacing:PerConversation:0:Window", "00:00:01"));
        await using var _ = bot;

        for (var customer = 1; customer <= 3; customer++)
        {
            await bot.PostAsync(bot.CustomerMessage("let me talk to a person", conversation: $"customer-{customer}", userId: $"customer-{customer}"));
        }
        await bot.TurnsCommittedAsync();
        await bot.RunClockUntilAsync(() => bot.CountHub(a => a.Name == "handoff.initiate") == 3 && bot.CountHub(a => a.Text?.Contains("is offered to you", StringComparison.Ordinal) == true) >= 3,
            TimeSpan.FromMilliseconds(250), TimeSpan.FromMinutes(1));

        var got = Snapshot(arrivals).Where(a => a.Conversation == HandoffHarness.HubConversation).ToList();
        Assert.Equal(3, bot.CountHub(a => a.Name == "handoff.initiate"));
        Assert.True(bot.CountHub(a => a.Text?.Contains("is offered to you", StringComparison.Ordinal) == true) >= 3);
        Assert.True(got.Count >= 6);
        Assert.True(MostWithin(got, TimeSpan.FromSeconds(1)) <= 2, $"{MostWithin(got, TimeSpan.FromSeconds(1))} hub requests within 1 s");
        Assert.DoesNotContain(await bot.Service<IHandoffOutbox>().UndeliveredAsync(CancellationToken.None), i => i.Status == OutboxStatus.Failed);
    }

    [Theory]
    [InlineData("Handoff:Pacing:PerConversation:0:Limit", "0", "Handoff:Pacing:PerConversation:0")]
    [InlineData("Handoff:Pacing:PerEndpoint:0:Window", "-00:00:01", "Handoff:Pacing:PerEndpoint:0")]
    public void BadPacingSettingsStopStartUpWithAMessageNamingTheKey(string key, string value, string expected)
    {
        using var factory = new BotFactory().With(key, value);

        var exception = Assert.IsType<OptionsValidationException>(factory.StartupFailure());

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultsAreTeamsDocumentedLimits()
    {
        var pacing = new HandoffOptions().Pacing;

        Assert.Equal(["msteams"], pacing.PacedChannels);
        Assert.Equal([(7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0)], pacing.ConversationLimits.Select(w => (w.Limit, w.Window.TotalSeconds)));
        Assert.Equal([(30, 1.0)], pacing.EndpointLimits.Select(w => (w.Limit, w.Window.TotalSeconds)));
    }
}

/// <summary>The same on PostgreSQL (the outbox's claim and marks are the provider's).</summary>
public sealed class PostgresOutboxPacingTests : OutboxPacingTests
{
    protected override void OnProvider(BotFactory factory) => factory.OnPostgres();
}
