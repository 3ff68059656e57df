using HandoffBot.Handoff;
using HandoffBot.Storage;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Handoff;

/// <summary>The escalating turn's single commit, delivery after it, and what survives a restart (real bot over HTTP, fake Connectors on loopback).</summary>
public sealed class HandoffDeliveryTests
{
    private static readonly string CustomerKey = StateKeys.Conversation("emulator", "customer-conversation");

    [Fact]
    public async Task TheEscalatingTurnCommitsOnceAndTheCustomerIsToldBeforeTheHubAnswersAnything()
    {
        var commits = new List<CountingTurnStore.Commit>();
        await using var bot = await HandoffHarness.StartAsync(configure: f => f.WithServices(s => CountingTurnStore.Decorate(s, commits)));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ids = 0;
        bot.Hub.Otherwise = _ => ScriptedResponse.Ok($$"""{"id":"hub-{{Interlocked.Increment(ref ids)}}"}""") with { Until = release.Task };

        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        await bot.CustomerReceivedAsync("connecting you with a person");
        await bot.TurnsCommittedAsync();

        // One commit for the whole turn, holding the handoff (which did not exist before it), its state and transcript.
        CountingTurnStore.Commit turn;
        lock (commits)
        {
            turn = Assert.Single(commits, c => c.StateKey == CustomerKey);
        }
        Assert.Null(turn.HandoffBefore);
        var opened = Assert.IsType<HandoffOpened>(Assert.Single(turn.Records, r => r is HandoffOpened));
        Assert.Equal(HandoffStatus.Queued, opened.Record.Status);
        Assert.Equal(2, turn.TranscriptEntries); // the customer's message and the waiting notice
        // The hub's announcement is in that same commit (an outbox row, delivered after it), so the handoff is marked
        // announced exactly when the message telling the hub is stored, and it carries the turn's whole transcript.
        Assert.NotNull(opened.Record.HubThread);
        var announcement = Assert.IsType<OutboxMessage>(Assert.Single(turn.Records, r => r is OutboxMessage));
        Assert.Equal("handoff.initiate", announcement.Activity.Name);
        var transcript = announcement.Activity.Attachments!.Single(a => a.Name == "Transcript").Content!.Value.GetProperty("activities");
        Assert.Contains(transcript.EnumerateArray(), a => a.TryGetProperty("text", out var text) && text.GetString()!.Contains("connecting you with a person", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(0, bot.CountHub(a => a.Text?.Contains("is offered to you", StringComparison.Ordinal) == true));

        release.SetResult();
        await bot.OfferedToAsync(1);
        var hub = bot.Hub.Requests.Where(r => r.Method == "POST" && r.Body.Length > 0).Select(r => r.Activity).ToList();
        Assert.Equal(1, hub.Count(a => a.Name == "handoff.initiate"));
        Assert.True(hub.FindIndex(a => a.Name == "handoff.initiate") < hub.FindIndex(a => a.Text?.Contains("is offered to you", StringComparison.Ordinal) == true));
        lock (commits)
        {
            Assert.Single(commits, c => c.StateKey == CustomerKey);
        }
    }

    [Fact]
    public async Task AHubMessageInFlightWhenTheBotDiesIsDeliveredAfterTheRestart()
    {
        var file = Path.Combine(Path.GetTempPath(), $"handoff-crash-{Guid.NewGuid():N}.db");
        var first = await HandoffHarness.StartAsync(configure: f => f.With("Storage:SqliteConnectionString", $"Data Source={file}"));
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        first.Hub.Otherwise = _ => ScriptedResponse.Ok("""{"id":"hub-held"}""") with { Until = never.Task };
        await first.PostAsync(first.CustomerMessage("let me talk to a person"));
        await first.HubEventAsync("handoff.initiate"); // sent, never answered: the process dies with the row claimed

        first.Hub.Otherwise = null;
        // The held request is still unanswered while the first bot stops (a crash cannot mark it either); it is
        // answered only once the new bot runs, so the old one can never record it as delivered.
        await using var bot = await first.RestartAsync();
        never.SetResult();
        await bot.OfferedToAsync(1);

        // Delivered again after the restart (the hub may have had the first copy: the one at-least-once case), then the offer.
        Assert.Equal(2, bot.CountHub(a => a.Name == "handoff.initiate"));
        Assert.DoesNotContain(await bot.Service<IHandoffOutbox>().UndeliveredAsync(CancellationToken.None), i => i.Status == OutboxStatus.Failed);
    }

    /// <summary>A bot on a new SQLite file whose customer asked for a person and whose offer reached the hub; whom it was offered to.</summary>
    private static async Task<(HandoffHarness Bot, string OfferedTo)> OfferedOnAFileAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"handoff-restart-{Guid.NewGuid():N}.db");
        var bot = await HandoffHarness.StartAsync(configure: f => f.With("Storage:SqliteConnectionString", $"Data Source={file}"));
        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        return (bot, await bot.OfferedToAsync(1));
    }

    [Fact]
    public async Task AnOfferOutstandingAtARestartCanStillBeAcceptedAfterIt()
    {
        var (first, offeredTo) = await OfferedOnAFileAsync();
        await first.AdvanceAsync(TimeSpan.FromSeconds(30));

        await using var bot = await first.RestartAsync();

        var handoff = (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(CustomerKey, CancellationToken.None))!;
        Assert.Equal((HandoffStatus.Offered, HandoffHarness.AgentIdOf(offeredTo)), (handoff.Status, handoff.OfferedTo));
        await bot.PostAsync(bot.AgentMessage("accept", offeredTo, "Agent"));
        await bot.HubEventAsync("handoff.status", "accepted");
        var audit = await bot.Service<IHandoffStore>().ReadAuditAsync(handoff.Id, CancellationToken.None);
        Assert.Equal(["open", "offer", "accept"], audit.Select(a => a.Action));
    }

    [Fact]
    public async Task AnOfferOutstandingAtARestartStillExpiresAtItsOriginalTime()
    {
        var (first, _) = await OfferedOnAFileAsync();
        await first.AdvanceAsync(TimeSpan.FromSeconds(30));

        await using var bot = await first.RestartAsync();
        var sweep = bot.Service<HandoffSweep>();
        var store = bot.Service<IHandoffStore>();
        var id = (await store.GetLatestForCustomerAsync(CustomerKey, CancellationToken.None))!.Id;

        await bot.AdvanceAsync(TimeSpan.FromSeconds(14)); // 44 s after the offer (Routing:OfferTimeout is 45 s)
        await sweep.SweepAsync(CancellationToken.None);
        Assert.DoesNotContain(await store.ReadAuditAsync(id, CancellationToken.None), a => a.Action is "expire" or "withdraw");

        await bot.AdvanceAsync(TimeSpan.FromSeconds(2));
        await sweep.SweepAsync(CancellationToken.None);
        var audit = await store.ReadAuditAsync(id, CancellationToken.None);
        Assert.Equal(["open", "offer", "expire"], audit.Take(3).Select(a => a.Action));
    }

    [Fact]
    public async Task TheWaitEstimateIsTheSameAfterARestart()
    {
        var (first, offeredTo) = await OfferedOnAFileAsync();
        await first.PostAsync(first.AgentMessage("accept", offeredTo, "Agent"));
        await first.CustomerReceivedAsync("You're now chatting with");
        await first.AdvanceAsync(TimeSpan.FromMinutes(7));
        await first.PostAsync(first.AgentMessage("end", offeredTo, "Agent"));
        await first.CustomerReceivedAsync("How satisfied were you");
        var handled = (await first.Service<IHandoffStore>().GetLatestForCustomerAsync(CustomerKey, CancellationToken.None))!;
        var now = first.Factory.Time.GetUtcNow();
        var probe = new HandoffBot.Routing.HandoffRequest("probe", handled.Queue, handled.Skill, (int)handled.Priority, now, "emulator/conversations/probe", "emulator",
            new HashSet<HandoffBot.Routing.AgentId>());
        var before = first.Service<HandoffBot.Routing.IRoutingEngine>().Preview(probe, now);

        await using var bot = await first.RestartAsync();

        Assert.Equal(1, before!.SampleSize);
        Assert.Equal(before, bot.Service<HandoffBot.Routing.IRoutingEngine>().Preview(probe, now));
    }

    [Theory]
    [InlineData("1.00:00:00", true)]  // the last agent is preferred, also after the restart
    [InlineData("00:00:05", false)]   // served too long ago: the policy decides (so the assertion can fail)
    public async Task TheLastAgentPreferenceSurvivesARestart(string preferLastAgentWithin, bool preferred)
    {
        var file = Path.Combine(Path.GetTempPath(), $"handoff-last-agent-{Guid.NewGuid():N}.db");
        var first = await HandoffHarness.StartAsync(configure: f => f.With("Storage:SqliteConnectionString", $"Data Source={file}")
            .With("Routing:PreferLastAgentWithin", preferLastAgentWithin));
        var coordinator = first.Service<HandoffCoordinator>();
        await coordinator.SetPresenceAsync(new HandoffBot.Routing.AgentId("alex"), HandoffBot.Routing.AgentPresence.Away, CancellationToken.None);
        await coordinator.SetPresenceAsync(new HandoffBot.Routing.AgentId("priya"), HandoffBot.Routing.AgentPresence.Away, CancellationToken.None);
        await first.PostAsync(first.CustomerMessage("let me talk to a person"));
        Assert.Equal("agent-sam", await first.OfferedToAsync(1));
        await first.PostAsync(first.AgentMessage("accept", "agent-sam", "Sam"));
        await first.CustomerReceivedAsync("You're now chatting with");
        await first.AdvanceAsync(TimeSpan.FromMinutes(2));
        await first.PostAsync(first.AgentMessage("end", "agent-sam", "Sam"));
        await first.CustomerReceivedAsync("How satisfied were you");
        await first.AdvanceAsync(TimeSpan.FromSeconds(10));

        await using var bot = await first.RestartAsync();
        await bot.Service<HandoffCoordinator>().SetPresenceAsync(new HandoffBot.Routing.AgentId("alex"), HandoffBot.Routing.AgentPresence.Available, CancellationToken.None);
        await bot.PostAsync(bot.CustomerMessage("5"));
        await bot.CustomerReceivedAsync("Thank you for your feedback");
        await bot.PostAsync(bot.CustomerMessage("I need to speak to a human agent"));
        await bot.OfferedToAsync(2); // the hub Connector saw both bots' offers

        var second = (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(CustomerKey, CancellationToken.None))!;
        var offer = Assert.Single(await bot.Service<IHandoffStore>().ReadAuditAsync(second.Id, CancellationToken.None), a => a.Action == "offer");
        Assert.Equal(preferred, offer.Reason.Contains("served this customer", StringComparison.Ordinal));
        if (preferred)
        {
            Assert.Equal("sam", second.OfferedTo);
        }
    }

    [Fact]
    public async Task TheCustomersCancelIsOneCommitOfTheirTurnWithTheNotice()
    {
        var commits = new List<CountingTurnStore.Commit>();
        await using var bot = await HandoffHarness.StartAsync(configure: f => f.WithServices(s => CountingTurnStore.Decorate(s, commits)));
        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        await bot.OfferedToAsync(1);
        await bot.TurnsCommittedAsync();
        int before;
        lock (commits)
        {
            before = commits.Count(c => c.StateKey == CustomerKey);
        }

        await bot.PostAsync(bot.CustomerMessage("cancel"));
        await bot.CustomerReceivedAsync(bot.Service<HandoffBot.Resources.ICopy>().Get("en", "handoff.cancelled"));
        await bot.TurnsCommittedAsync();

        CountingTurnStore.Commit turn;
        lock (commits)
        {
            turn = Assert.Single(commits.Where(c => c.StateKey == CustomerKey).Skip(before));
        }
        var cancelled = Assert.IsType<HandoffTransitionRecord>(Assert.Single(turn.Records, r => r is HandoffTransitionRecord));
        Assert.Equal((HandoffStatus.Offered, HandoffStatus.Cancelled), (cancelled.Audit.From, cancelled.Audit.To));
        Assert.Single(turn.Records, r => r is OutboxMessage { ToCustomer: true });
        var stored = (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(CustomerKey, CancellationToken.None))!;
        Assert.Equal(HandoffStatus.Cancelled, stored.Status);
        await bot.HubEventAsync("handoff.status", "failed");
    }

    [Fact]
    public async Task WhenAnAgentAcceptsWhileTheCustomerCancelsTheTurnRunsAgainAndTheMessageReachesTheAgent()
    {
        await using var bot = await HandoffHarness.StartAsync(configure: f => f.WithServices(AcceptingFirst.Decorate));
        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        var agent = await bot.OfferedToAsync(1);
        await bot.TurnsCommittedAsync();
        AcceptingFirst.Armed = agent;

        await bot.PostAsync(bot.CustomerMessage("cancel"));
        await bot.TurnsCommittedAsync();

        var stored = (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(CustomerKey, CancellationToken.None))!;
        Assert.Equal(HandoffStatus.WithAgent, stored.Status);
        Assert.Equal(0, bot.CountCustomer(bot.Service<HandoffBot.Resources.ICopy>().Get("en", "handoff.cancelled")));
        var lines = await bot.Service<HandoffBot.Handoff.Events.IHandoffEventLog>().ReadHandoffAsync(stored.Id, CancellationToken.None);
        Assert.Single(lines, e => e.Message?.Text == "cancel");
    }

    [Fact]
    public async Task WithALanguageModelTheSummaryIsWrittenAfterTheTurnAndGoesIntoTheAnnouncement()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var chat = new FakeChatClient(_ => "The customer wants a refund for a parcel that never arrived.", release.Task);
        await using var bot = await HandoffHarness.StartAsync(configure: f => f.WithServices(s => s.AddSingleton<Microsoft.Extensions.AI.IChatClient>(chat)));

        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        await bot.CustomerReceivedAsync("connecting you with a person"); // the turn did not wait for the model
        await bot.TurnsCommittedAsync();
        Assert.Equal(0, bot.CountHub(a => a.Name == "handoff.initiate"));
        var stored = (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(CustomerKey, CancellationToken.None))!;
        Assert.Equal(ExtractiveSummarizer.SourceName, stored.Packet!.SummarySource);

        release.SetResult();
        var initiate = await bot.HubEventAsync("handoff.initiate");
        Assert.Contains("The customer wants a refund for a parcel that never arrived.", initiate.Value!.Value.GetRawText(), StringComparison.Ordinal);
        stored = (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(CustomerKey, CancellationToken.None))!;
        Assert.Equal((ChatClientSummarizer.SourceName, "The customer wants a refund for a parcel that never arrived."), (stored.Packet!.SummarySource, stored.Packet.Summary));
    }
}

/// <summary>Wraps the registered <see cref="ITurnStore"/> and notes every commit, with the customer's handoff as stored just before it.</summary>
internal sealed class CountingTurnStore(ITurnStore inner, IHandoffStore handoffs, List<CountingTurnStore.Commit> log) : ITurnStore
{
    public sealed record Commit(string? StateKey, IReadOnlyList<ITurnRecord> Records, int TranscriptEntries, HandoffRecord? HandoffBefore);

    public static void Decorate(IServiceCollection services, List<Commit> log)
    {
        var registered = services.Last(d => d.ServiceType == typeof(ITurnStore));
        services.Remove(registered);
        services.AddSingleton<ITurnStore>(sp => new CountingTurnStore(
            Registered(sp, registered), sp.GetRequiredService<IHandoffStore>(), log));
    }

    /// <summary>The turn store <paramref name="registered"/> describes (a type, or the factory that picks the storage provider's).</summary>
    internal static ITurnStore Registered(IServiceProvider sp, ServiceDescriptor registered) =>
        (ITurnStore)(registered.ImplementationFactory?.Invoke(sp) ?? registered.ImplementationInstance ?? ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!));

    public async Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken)
    {
        var before = commit.State is { } state ? await handoffs.GetLatestForCustomerAsync(state.Key, cancellationToken) : null;
        await inner.CommitAsync(commit, cancellationToken);
        lock (log)
        {
            log.Add(new Commit(commit.State?.Key, commit.Records, commit.Transcript.Count, before));
        }
    }
}

/// <summary>
/// Before the first commit that cancels or ends a handoff, lets the offered agent accept it (through the store, as the
/// hub would at that very moment), so the customer's turn meets a changed version.
/// </summary>
internal sealed class AcceptingFirst(ITurnStore inner, IHandoffStore handoffs) : ITurnStore
{
    public static volatile string? Armed;

    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(ITurnStore));
        services.Remove(registered);
        services.AddSingleton<ITurnStore>(sp => new AcceptingFirst(
            CountingTurnStore.Registered(sp, registered), sp.GetRequiredService<IHandoffStore>()));
    }

    public async Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref Armed, null) is { } agent && commit.Records.OfType<HandoffTransitionRecord>().FirstOrDefault() is { } transition)
        {
            await handoffs.TryClaimAsync(transition.Next.Id, HandoffHarness.AgentIdOf(agent), "Agent", transition.Audit.At, cancellationToken);
        }
        await inner.CommitAsync(commit, cancellationToken);
    }
}
