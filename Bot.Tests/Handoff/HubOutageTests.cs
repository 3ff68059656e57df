using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Handoff;

/// <summary>
/// The agent hub's Connector away for minutes (issue 13, item 6): the real bot and its outbox, the hub's fake Connector
/// on loopback answering 503 for five minutes of fake time, then accepting again. Time only moves when a test moves it.
/// </summary>
public class HubOutageTests
{
    /// <summary>The storage provider under the bot (SQLite unless overridden).</summary>
    protected virtual void OnProvider(BotFactory factory)
    {
    }

    private static readonly TimeSpan Outage = TimeSpan.FromMinutes(5);

    /// <summary>One request the hub's Connector saw: what it carried and whether it was accepted.</summary>
    private sealed record Arrival(Activity Activity, bool Accepted, DateTimeOffset At);

    /// <summary>A bot whose hub answers 503 (Retry-After 1 s) while <paramref name="down"/> says so, and notes every request.</summary>
    private async Task<(HandoffHarness Bot, List<Arrival> Arrivals)> StartAsync(Func<DateTimeOffset, bool> down, Action<BotFactory>? configure = null)
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
            var now = bot.Factory.Time.GetUtcNow();
            var response = down(now)
                ? ScriptedResponse.Error(503, "ServiceUnavailable", "Hub away") with { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } }
                : ScriptedResponse.Ok($$"""{"id":"hub-{{Interlocked.Increment(ref ids)}}"}""");
            lock (arrivals)
            {
                arrivals.Add(new Arrival(request.Activity, response.Status == 200, now));
            }
            return response;
        };
        return (bot, arrivals);
    }

    private static List<Arrival> Snapshot(List<Arrival> arrivals)
    {
        lock (arrivals)
        {
            return [.. arrivals];
        }
    }

    private static string Said(int customer, int n) => $"customer {customer} still here, message {n}";

    [Fact]
    public async Task AHubDownForFiveMinutesGetsEveryHandoffAndRelayedMessageOnceAndInOrderWhenItIsBack()
    {
        DateTimeOffset? downUntil = null;
        // Default outbox settings; the Connector client's own retries are off so that every failed call is one outbox
        // attempt (its retry waits run on the same fake clock). Retry-After 1 s: the outbox tries about once a second.
        var (bot, arrivals) = await StartAsync(now => now < downUntil, f => f.With("Connector:MaxRetryAttempts", "0"));
        await using var _ = bot;
        var start = bot.Factory.Time.GetUtcNow();
        downUntil = start + Outage;
        const int customers = 3;
        const int messages = 4;

        // Three customers ask for a person while the hub is away; each announcement is tried (and refused) first.
        for (var c = 1; c <= customers; c++)
        {
            await bot.PostAsync(bot.CustomerMessage("let me talk to a person", conversation: $"customer-{c}", userId: $"customer-{c}"));
        }
        await bot.TurnsCommittedAsync();
        for (var c = 1; c <= customers; c++)
        {
            var conversation = $"customer-{c}";
            await HandoffHarness.ReceivedAsync(bot.Hub, a => a.Name == "handoff.initiate" && a.RelatesTo?.Conversation?.Id == conversation, $"customer {c}'s announcement");
        }

        // They keep writing while the hub is down, spread over the first minutes of the outage.
        for (var n = 1; n <= messages; n++)
        {
            for (var c = 1; c <= customers; c++)
            {
                await bot.PostAsync(bot.CustomerMessage(Said(c, n), conversation: $"customer-{c}", userId: $"customer-{c}"));
            }
            await bot.RunClockUntilAsync(() => false, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
        }
        var outbox = bot.Service<IHandoffOutbox>();
        await bot.RunClockUntilAsync(() => bot.Factory.Time.GetUtcNow() + TimeSpan.FromSeconds(5) >= downUntil, TimeSpan.FromSeconds(5), Outage);

        // While the hub is away nothing was accepted, nothing was given up, and it was tried again and again.
        Assert.DoesNotContain(Snapshot(arrivals), a => a.Accepted);
        Assert.True(Snapshot(arrivals).Count > 100, $"{Snapshot(arrivals).Count} hub requests during the outage");
        Assert.DoesNotContain(await outbox.UndeliveredAsync(CancellationToken.None), i => i.Status == OutboxStatus.Failed);

        // Back: everything arrives, each once.
        await bot.RunClockUntilAsync(() => Snapshot(arrivals).Count(a => a.Accepted && a.Activity.Text?.StartsWith("customer ", StringComparison.Ordinal) == true) == customers * messages,
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        Assert.All(Snapshot(arrivals).Where(a => a.Accepted), a => Assert.True(a.At <= downUntil + TimeSpan.FromSeconds(1), $"accepted at {a.At - downUntil} after the hub was back"));
        var accepted = Snapshot(arrivals).Where(a => a.Accepted).Select(a => a.Activity).ToList();
        for (var c = 1; c <= customers; c++)
        {
            var conversation = $"customer-{c}";
            var announcement = Assert.Single(accepted, a => a.Name == "handoff.initiate" && a.RelatesTo?.Conversation?.Id == conversation);
            var mine = accepted.FindAll(a => a.Text?.Contains($"customer {c} still here", StringComparison.Ordinal) == true);
            Assert.Equal(Enumerable.Range(1, messages).Select(n => Said(c, n)), mine.Select(a => a.Text![(a.Text!.IndexOf("customer ", StringComparison.Ordinal))..]));
            Assert.True(accepted.IndexOf(announcement) < accepted.IndexOf(mine[0]), $"customer {c}'s announcement reached the hub before their messages");
        }
        Assert.DoesNotContain(await outbox.UndeliveredAsync(CancellationToken.None), i => i.Status == OutboxStatus.Failed);
    }

    [Fact]
    public async Task WithoutRetryAfterTheFirstRowReachesTheHubAtMostOutboxMaxRetryDelayAfterItIsBack()
    {
        DateTimeOffset? downUntil = null;
        var (bot, arrivals) = await StartAsync(_ => false, f => f.With("Connector:MaxRetryAttempts", "0"));
        await using var _ = bot;
        bot.Hub.Otherwise = request =>
        {
            var now = bot.Factory.Time.GetUtcNow();
            var response = now < downUntil ? ScriptedResponse.Error(503, "ServiceUnavailable", "Hub away") : ScriptedResponse.Ok("""{"id":"hub-1"}""");
            lock (arrivals)
            {
                arrivals.Add(new Arrival(request.Activity, response.Status == 200, now));
            }
            return response;
        };
        var outbox = bot.Service<IHandoffOutbox>();
        downUntil = bot.Factory.Time.GetUtcNow() + Outage;

        await outbox.EnqueueAsync(HubMessage(bot, "h1", 1), CancellationToken.None);
        await outbox.EnqueueAsync(HubMessage(bot, "h1", 2), CancellationToken.None);
        await bot.RunClockUntilAsync(() => Snapshot(arrivals).Count(a => a.Accepted) == 2, TimeSpan.FromSeconds(1), Outage + TimeSpan.FromMinutes(3));

        var accepted = Snapshot(arrivals).Where(a => a.Accepted).ToList();
        Assert.Equal(["h1 #1", "h1 #2"], accepted.Select(a => a.Activity.Text));
        Assert.All(accepted, a => Assert.InRange(a.At - downUntil!.Value, TimeSpan.Zero, new HandoffOptions().OutboxMaxRetryDelay));
        Assert.Empty(await outbox.UndeliveredAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AtTheDefaultsAHubThatKeepsAnsweringRetryAfterOneSecondIsNotGivenUpWithinTheDay()
    {
        var (bot, arrivals) = await StartAsync(_ => true, f => f.With("Connector:MaxRetryAttempts", "0"));
        await using var _ = bot;
        var outbox = bot.Service<IHandoffOutbox>();

        await outbox.EnqueueAsync(HubMessage(bot, "h1", 1), CancellationToken.None);
        await bot.RunClockUntilAsync(() => false, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30));

        var item = Assert.Single(await outbox.UndeliveredAsync(CancellationToken.None));
        Assert.NotEqual(OutboxStatus.Failed, item.Status);
        Assert.True(item.Attempts >= 12, $"{item.Attempts} attempts");
        Assert.DoesNotContain(Snapshot(arrivals), a => a.Accepted);
    }

    [Fact]
    public async Task AFailureStillThereWhenTheRowIsOlderThanOutboxGiveUpAfterIsGivenUpAndTheNextRowGoesOn()
    {
        var (bot, arrivals) = await StartAsync(_ => true, f => f.With("Connector:MaxRetryAttempts", "0").With("Handoff:OutboxGiveUpAfter", "00:10:00"));
        await using var _ = bot;
        var outbox = bot.Service<IHandoffOutbox>();

        await outbox.EnqueueAsync(HubMessage(bot, "h1", 1), CancellationToken.None);
        await outbox.EnqueueAsync(HubMessage(bot, "h1", 2), CancellationToken.None);
        await bot.RunClockUntilAsync(() => false, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(9));
        Assert.DoesNotContain(await outbox.UndeliveredAsync(CancellationToken.None), i => i.Status == OutboxStatus.Failed);

        await bot.RunClockUntilAsync(() => false, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(12));
        Assert.Equal([OutboxStatus.Failed, OutboxStatus.Failed], (await outbox.UndeliveredAsync(CancellationToken.None)).Select(i => i.Status));
        Assert.DoesNotContain(Snapshot(arrivals), a => a.Accepted);
    }

    [Fact]
    public async Task ACustomerBoundDeliveryIsNotHeldByAHubCallWaitingInsideTheConnectorClientsRetries()
    {
        // The hub answers 503 without Retry-After: the Connector client retries inside the call (default 3 retries,
        // exponential back-off on the fake clock, which does not move here), so the hub's call stays in flight.
        var (bot, _) = await StartAsync(_ => true);
        await using var _1 = bot;
        var outbox = bot.Service<IHandoffOutbox>();
        bot.Hub.Otherwise = _ => ScriptedResponse.Error(503, "ServiceUnavailable", "Hub away");

        await outbox.EnqueueAsync(HubMessage(bot, "h1", 1), CancellationToken.None);
        await HandoffHarness.ReceivedAsync(bot.Hub, a => a.Text == "h1 #1", "the hub message's first attempt");
        await outbox.EnqueueAsync(new OutboxMessage("hub-outage:customer", "h1", new Activity
        {
            Type = ActivityTypes.Message,
            ChannelId = "emulator",
            ServiceUrl = bot.Customer.Url,
            Conversation = new ConversationAccount { Id = "customer-conversation" },
            From = new ChannelAccount { Id = "bot", Name = "HandoffBot" },
            Recipient = new ChannelAccount { Id = "customer-1" },
            Text = "an agent's reply while the hub is away",
        }, ToCustomer: true), CancellationToken.None);

        await bot.CustomerReceivedAsync("an agent's reply while the hub is away");
        Assert.Equal(1, bot.CountHub(a => a.Text == "h1 #1")); // the hub's call is still waiting for its first retry
    }

    [Theory]
    [InlineData("Handoff:OutboxGiveUpAfter", "-00:00:01")]
    [InlineData("Handoff:OutboxGiveUpAfter", "31.00:00:00")]
    [InlineData("Handoff:OutboxMaxRetryDelay", "00:00:01")]
    [InlineData("Handoff:OutboxMaxRetryDelay", "02:00:00")]
    public void AnOutboxRetrySettingOutOfRangeStopsStartUpNamingTheKey(string key, string value)
    {
        using var factory = new BotFactory().With(key, value);

        var exception = Assert.IsType<OptionsValidationException>(factory.StartupFailure());

        Assert.Contains(key, exception.Message, StringComparison.Ordinal);
    }

    private static OutboxMessage HubMessage(HandoffHarness bot, string handoff, int n) =>
        new($"hub-outage:{handoff}:{n}", handoff, new Activity
        {
            Type = ActivityTypes.Message,
            ChannelId = "emulator",
            ServiceUrl = bot.Hub.Url,
            Conversation = new ConversationAccount { Id = HandoffHarness.HubConversation, IsGroup = true },
            From = new ChannelAccount { Id = "bot-hub", Name = "HandoffBot" },
            Recipient = new ChannelAccount { Id = "agents" },
            Text = $"{handoff} #{n}",
        }, ToCustomer: false);
}

/// <summary>The same on PostgreSQL (the outbox's claim and marks are the provider's).</summary>
public sealed class PostgresHubOutageTests : HubOutageTests
{
    protected override void OnProvider(BotFactory factory) => factory.OnPostgres();
}
