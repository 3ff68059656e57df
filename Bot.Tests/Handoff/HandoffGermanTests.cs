using HandoffBot.Handoff;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Resources;
using HandoffBot.Storage;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Handoff;

/// <summary>A German-speaking customer (<c>de-DE</c> on every activity) hears the whole handoff in German.</summary>
public sealed class HandoffGermanTests
{
    private static Activity German(HandoffHarness bot, string text) => bot.CustomerMessage(text) with { Locale = "de-DE" };

    [Fact]
    public async Task AGermanCustomerGoesThroughAWholeHandoffInGermanAndEndsItWithBeenden()
    {
        await using var bot = await HandoffHarness.StartAsync();
        var copy = bot.Service<ICopy>();

        await bot.PostAsync(German(bot, "Ich habe eine doppelte Abbuchung für Bestellung 5512"));
        var waiting = await bot.CustomerReceivedAsync("Ich verbinde Sie mit einer Person");
        Assert.StartsWith("Ich verbinde Sie mit einer Person, die Ihnen helfen kann. Sie ", waiting.Text, StringComparison.Ordinal);
        Assert.Contains("abbrechen", waiting.Text, StringComparison.Ordinal);
        Assert.Equal([copy.Get("de", "handoff.choice.cancel")], waiting.SuggestedActions!.Actions!.Select(a => a.Title));
        Assert.DoesNotContain("connecting you", waiting.Text, StringComparison.OrdinalIgnoreCase);

        var offeredTo = await bot.OfferedToAsync();
        var agentName = offeredTo switch { "agent-alex" => "Alex", "agent-sam" => "Sam", _ => "Priya" };
        await bot.PostAsync(bot.AgentMessage("accept", offeredTo, agentName));
        var joined = await bot.CustomerReceivedAsync(copy.Get("de", "handoff.agentJoined", ("agent", agentName)));
        Assert.Equal("Sie schreiben jetzt mit " + agentName + ".", joined.Text);

        await bot.PostAsync(German(bot, "Hallo, sind Sie da?"));
        await bot.HubReceivedAsync("Hallo, sind Sie da?");
        await bot.PostAsync(bot.AgentMessage("Guten Tag, ich erstatte die doppelte Abbuchung.", offeredTo, agentName));
        await bot.CustomerReceivedAsync("ich erstatte die doppelte Abbuchung");

        await bot.PostAsync(German(bot, "beenden"));
        var csat = await bot.CustomerReceivedAsync(copy.Get("de", "handoff.endedByCustomer"));
        Assert.Contains("Wie zufrieden waren Sie", csat.Text, StringComparison.Ordinal);
        Assert.Equal(["1", "2", "3", "4", "5"], csat.SuggestedActions!.Actions!.Select(a => a.Title));
        await bot.HubEventAsync("handoff.status", "completed");

        await bot.PostAsync(German(bot, "5"));
        await bot.CustomerReceivedAsync(copy.Get("de", "handoff.thanksForFeedback"));
        Assert.Equal(0, bot.CountCustomer("How satisfied were you"));
    }

    /// <summary>The default roster plus Lena, who speaks German (<c>language-de</c>) and handles billing.</summary>
    private static Action<BotFactory> WithLena(string? sqliteFile = null) => f =>
    {
        f.With("Routing:Agents:3:Id", "lena").With("Routing:Agents:3:Name", "Lena").With("Routing:Agents:3:HubUserId", "agent-lena")
            .With("Routing:Agents:3:Skills:billing", "3").With("Routing:Agents:3:Skills:language-de", "5")
            .With("Routing:Agents:3:CapacityPerChannel:*", "2");
        if (sqliteFile is not null)
        {
            f.With("Storage:SqliteConnectionString", $"Data Source={sqliteFile}");
        }
    };

    [Fact]
    public async Task AGermanBillingDisputeIsOfferedToTheAgentWhoSpeaksGermanAndAnEnglishOneIsNot()
    {
        await using var bot = await HandoffHarness.StartAsync(configure: WithLena());

        await bot.PostAsync(German(bot, "Ich habe eine doppelte Abbuchung für Bestellung 5512"));
        Assert.Equal("agent-lena", await bot.OfferedToAsync(1));

        // alex is the stronger billing agent and lena the less busy one now, but she does not speak English.
        await bot.PostAsync(bot.CustomerMessage("I was charged twice for order 7730", conversation: "english-conversation", userId: "customer-2"));
        Assert.Equal("agent-alex", await bot.OfferedToAsync(2));
    }

    [Fact]
    public async Task AfterARestartAGermanCustomerStillWaitsForAGermanSpeakerUntilTheSkillWaitEnds()
    {
        var file = Path.Combine(Path.GetTempPath(), $"handoff-language-{Guid.NewGuid():N}.db");
        var first = await HandoffHarness.StartAsync(configure: WithLena(file));
        await first.PostAsync(German(first, "Ich habe eine doppelte Abbuchung für Bestellung 5512"));
        Assert.Equal("agent-lena", await first.OfferedToAsync(1));
        await first.PostAsync(first.AgentMessage("decline", "agent-lena", "Lena"));
        await first.AdvanceAsync(TimeSpan.FromMinutes(1));

        await using var bot = await first.RestartAsync();
        await bot.Service<HandoffSweep>().SweepAsync(CancellationToken.None);
        await bot.AdvanceAsync(TimeSpan.FromMinutes(1));
        await bot.Service<HandoffSweep>().SweepAsync(CancellationToken.None);
        await bot.AdvanceAsync(TimeSpan.Zero);
        // alex has been free all along; the restarted router still knows the customer writes German.
        Assert.Equal(1, bot.CountHub(a => a.Text?.Contains("is offered to you", StringComparison.Ordinal) == true));

        await bot.AdvanceAsync(TimeSpan.FromMinutes(1)); // 3 min since the handoff opened: Routing:RelaxSkillAfter
        await bot.Service<HandoffSweep>().SweepAsync(CancellationToken.None);
        Assert.Equal("agent-alex", await bot.OfferedToAsync(2));
    }

    [Fact]
    public async Task AGermanCustomerWaitingCanCancelWithAbbrechen()
    {
        await using var bot = await HandoffHarness.StartAsync();
        var copy = bot.Service<ICopy>();

        await bot.PostAsync(German(bot, "Ich habe eine doppelte Abbuchung für Bestellung 5512"));
        await bot.CustomerReceivedAsync("Ich verbinde Sie mit einer Person");
        await bot.PostAsync(German(bot, "Abbrechen"));
        await bot.CustomerReceivedAsync(copy.Get("de", "handoff.cancelled"));
        await bot.TurnsCommittedAsync();
        var handoff = await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(StateKeys.Conversation("emulator", "customer-conversation"), CancellationToken.None);
        Assert.Equal(HandoffStatus.Cancelled, handoff!.Status);
        Assert.Equal("de-DE", handoff.Locale);
    }

    [Fact]
    public async Task AGermanAgentDeskGetsItsOffersAndStatusesInGerman()
    {
        await using var bot = await HandoffHarness.StartAsync(configure: f => f.With("Handoff:Hub:Locale", "de"));
        var copy = bot.Service<ICopy>();

        await bot.PostAsync(bot.CustomerMessage("I was charged twice for order 5512, I want to speak to a person"));
        var offer = await bot.HubReceivedAsync("wird Ihnen angeboten");
        Assert.Matches(@"Antworten Sie ""accept \w+"" oder ""decline \w+"" innerhalb von \d+ Sekunden\.$", offer.Text);
        await bot.TurnsCommittedAsync();
        var handoff = (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(HandoffCoordinator.CustomerKey(bot.CustomerMessage("x")), CancellationToken.None))!;
        var card = HandoffBot.AgentHub.HandoffCard.Waiting(handoff, bot.Factory.Time.GetUtcNow(), bot.Service<HandoffBot.AgentHub.HubNotifier>().Cards).GetRawText();
        Assert.Contains(copy.Get("de", "hub.card.waiting", ("customer", "")), card, StringComparison.Ordinal);
        Assert.Contains($"\"title\":\"{copy.Get("de", "hub.card.accept")}\"", card, StringComparison.Ordinal);
        Assert.Contains("Sekunden", card, StringComparison.Ordinal);
        Assert.DoesNotContain("Customer waiting", card, StringComparison.Ordinal);
        Assert.DoesNotContain("is offered to you", offer.Text, StringComparison.Ordinal);
        Assert.Single(offer.Entities!, e => e.Type == "mention");

        await bot.PostAsync(bot.CustomerMessage("cancel"));
        var cancelled = await bot.HubEventAsync("handoff.status", "failed");
        Assert.EndsWith(copy.Get("de", "hub.status.cancelled", ("customer", "")), cancelled.Value!.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
