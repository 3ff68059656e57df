using HandoffBot.Handoff;
using HandoffBot.Routing;
using HandoffBot.Storage;
using HandoffBot.Storage.Postgres;
using HandoffBot.Tests.Storage.Contracts;

namespace HandoffBot.Tests.Handoff;

/// <summary>
/// Two instances of the bot on one PostgreSQL schema, both reached by the same channel and hub: only the routing owner
/// (the first to start) makes offers; a handoff that came in through the other instance is offered by the owner at once
/// (NOTIFY), or after the owner's listener reconnects and catches up from the store; when
/// the owner's database session dies the other takes over within one check and keeps the offer outstanding, which can
/// be accepted through it and expires at its original time.
/// </summary>
public sealed class PostgresRoutingOwnerTests
{
    private static readonly TimeSpan Check = new RoutingOptions().OwnerCheckInterval;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private const string Customer = "emulator/conversations/customer-conversation";

    internal sealed class Deployment(HandoffHarness a, HandoffHarness b, string schema, string run) : IAsyncDisposable
    {
        public HandoffHarness A => a;

        public HandoffHarness B => b;

        public string Run => run;

        public async ValueTask DisposeAsync()
        {
            await b.DisposeAsync();
            await a.DisposeAsync();
            PostgresTestDatabase.DropSchema(schema);
        }
    }

    /// <summary>Two instances on a fresh schema; A owns routing; <paramref name="configureB"/> adds to B's settings or services.</summary>
    internal static async Task<Deployment> StartTwoAsync(Action<Support.BotFactory>? configureB = null)
    {
        var (schema, connectionString) = PostgresTestDatabase.CreateSchema();
        var run = Guid.NewGuid().ToString("N")[..8];
        var a = await HandoffHarness.StartAsync(configure: f => f.OnSharedPostgres(connectionString, $"bot-a-{run}"));
        await a.Service<RoutingOwnerService>().WhenOwnerAsync().WaitAsync(Wait);
        var b = await a.StartAnotherInstanceAsync(f =>
        {
            f.OnSharedPostgres(connectionString, $"bot-b-{run}");
            configureB?.Invoke(f);
        });
        Assert.True(a.Service<IRoutingOwnership>().IsOwner);
        Assert.False(b.Service<IRoutingOwnership>().IsOwner);
        return new Deployment(a, b, schema, run);
    }

    private static bool IsOffer(HandoffBot.Protocol.Activity activity) => activity.Text?.Contains("is offered to you", StringComparison.Ordinal) == true;

    internal static async Task<HandoffRecord> HandoffAsync(HandoffHarness bot) =>
        (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(Customer, CancellationToken.None))!;

    /// <summary>Ends an instance's ownership session server-side, as when its process is killed.</summary>
    private static Task KillOwnerSessionAsync(string instanceName) => KillSessionAsync(PostgresRoutingOwnership.ApplicationNameOf(instanceName));

    /// <summary>Ends the session named <paramref name="applicationName"/> server-side.</summary>
    private static Task KillSessionAsync(string applicationName) => PostgresTestDatabase.TerminateSessionAsync(applicationName);

    [Fact]
    public async Task AHandoffQueuedThroughTheInstanceThatDoesNotOwnRoutingIsOfferedByTheOwnerAtOnce()
    {
        await using var deployment = await StartTwoAsync();
        var (a, b) = (deployment.A, deployment.B);

        // No clock moves: the owner hears of the handoff through NOTIFY, not at its next check.
        await b.PostAsync(b.CustomerMessage("let me talk to a person"));
        var agent = await a.OfferedToAsync();

        var offered = await HandoffAsync(a);
        Assert.Equal((HandoffStatus.Offered, HandoffHarness.AgentIdOf(agent)), (offered.Status, offered.OfferedTo));
        Assert.False(b.Service<RoutingProjection>().DecidesRouting);
        await b.PostAsync(b.AgentMessage("accept", agent, agent)); // the hub's turn lands on the other instance
        await b.CustomerReceivedAsync("You're now chatting with");
        Assert.Equal(1, a.CountHub(IsOffer));
    }

    [Fact]
    public async Task TheNonOwnerDecidesNothingAndTheOwnerCatchesUpOnWhatItMissedWhileItWasNotListening()
    {
        await using var deployment = await StartTwoAsync();
        var (a, b) = (deployment.A, deployment.B);
        await KillSessionAsync(PostgresChangeListener.ApplicationNameOf($"bot-a-{deployment.Run}"));
        var reconnect = a.Factory.Time.WaitForTimerAsync(PostgresChangeListener.FirstRetry);

        await b.PostAsync(b.CustomerMessage("let me talk to a person"));
        await b.CustomerReceivedAsync("connecting you with a person");
        await b.HubEventAsync("handoff.initiate"); // announced by the instance that took the turn
        await b.TurnsCommittedAsync();

        // The instance without ownership makes no routing decision, whatever asks it to.
        await b.Service<HandoffDispatcher>().DispatchAsync(CancellationToken.None);
        await b.Service<HandoffSweep>().SweepAsync(CancellationToken.None);
        Assert.Equal(HandoffStatus.Queued, (await HandoffAsync(b)).Status);
        Assert.Equal(0, b.CountHub(IsOffer));

        // The owner's listener reconnects after its delay (before the owner's next check is due) and catches up.
        await reconnect.WaitAsync(Wait);
        await a.AdvanceAsync(PostgresChangeListener.FirstRetry);
        var agent = await a.OfferedToAsync();
        Assert.Equal(HandoffHarness.AgentIdOf(agent), (await HandoffAsync(a)).OfferedTo);
    }

    [Fact]
    public async Task AnAgentWhoGoesAwayThroughTheOtherInstanceIsNotOfferedAgainAndOneWhoComesBackThereIsOfferedIt()
    {
        await using var deployment = await StartTwoAsync();
        var (a, b) = (deployment.A, deployment.B);
        var coordinator = a.Service<HandoffCoordinator>();
        await coordinator.SetPresenceAsync(new AgentId("sam"), AgentPresence.Away, CancellationToken.None);
        await coordinator.SetPresenceAsync(new AgentId("priya"), AgentPresence.Away, CancellationToken.None);
        await a.PostAsync(a.CustomerMessage("let me talk to a person"));
        Assert.Equal("agent-alex", await a.OfferedToAsync());

        // Alex goes away through the other instance: the offer goes back, and the owner must not offer it to Alex again.
        await b.PostAsync(b.AgentMessage(AgentHub.AgentCommand.Away, "agent-alex", "Alex"));
        await b.TurnsCommittedAsync();
        Assert.Equal(HandoffStatus.Queued, (await HandoffAsync(b)).Status);

        // Sam comes back through the other instance: the owner hears of it at once (no clock moves) and offers to Sam.
        await b.PostAsync(b.AgentMessage(AgentHub.AgentCommand.Available, "agent-sam", "Sam"));
        Assert.Equal("agent-sam", await a.OfferedToAsync(2));
        Assert.Equal(2, a.CountHub(IsOffer));
    }

    [Fact]
    public async Task WhenTheOwnersSessionDiesTheOtherInstanceTakesOverAndTheOutstandingOfferCanStillBeAccepted()
    {
        await using var deployment = await StartTwoAsync();
        var (a, b) = (deployment.A, deployment.B);
        await a.PostAsync(a.CustomerMessage("let me talk to a person"));
        var agent = await a.OfferedToAsync();
        var offered = await HandoffAsync(a);

        await KillOwnerSessionAsync($"bot-a-{deployment.Run}");
        await b.AdvanceAsync(Check);
        await b.Service<RoutingOwnerService>().WhenOwnerAsync().WaitAsync(Wait);

        // The new owner's engine, rebuilt from the store, holds the offer as it was: nothing withdrawn, nothing offered again.
        var status = b.Service<IRoutingEngine>().GetStatus(offered.Id)!;
        Assert.Equal((RoutedItemState.Offered, new AgentId(offered.OfferedTo!), offered.OfferedAt), (status.State, status.Agent, status.Since));
        var stored = await HandoffAsync(b);
        Assert.Equal((HandoffStatus.Offered, offered.Version), (stored.Status, stored.Version));
        Assert.Equal(1, b.CountHub(IsOffer));

        // The old owner, still running, sees at its next check that it lost its session: it decides nothing more.
        Assert.False(await a.Service<IRoutingOwnership>().CheckAsync(CancellationToken.None));
        Assert.False(a.Service<RoutingProjection>().DecidesRouting);

        await b.PostAsync(b.AgentMessage("accept", agent, agent));
        await b.CustomerReceivedAsync("You're now chatting with");
        Assert.Equal(HandoffStatus.WithAgent, (await HandoffAsync(b)).Status);
    }

    [Fact]
    public async Task AnOfferTheNewOwnerTookOverExpiresAtItsOriginalTimeAndGoesToAnotherAgent()
    {
        await using var deployment = await StartTwoAsync();
        var (a, b) = (deployment.A, deployment.B);
        await a.PostAsync(a.CustomerMessage("let me talk to a person"));
        var first = await a.OfferedToAsync();

        await KillOwnerSessionAsync($"bot-a-{deployment.Run}");
        await b.AdvanceAsync(Check);
        await b.Service<RoutingOwnerService>().WhenOwnerAsync().WaitAsync(Wait);
        Assert.Equal(1, b.CountHub(IsOffer));
        Assert.False(await a.Service<IRoutingOwnership>().CheckAsync(CancellationToken.None)); // the old owner's next check

        // 45 s after the original offer (2 s of which passed before the takeover) the new owner's sweep expires it.
        await b.AdvanceAsync(TimeSpan.FromSeconds(44));
        var second = await b.OfferedToAsync(2);

        Assert.NotEqual(first, second);
        var audit = await b.Service<IHandoffStore>().ReadAuditAsync((await HandoffAsync(b)).Id, CancellationToken.None);
        Assert.DoesNotContain(audit, e => e.Action.Contains("withdraw", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(audit, e => e.From == HandoffStatus.Offered && e.To == HandoffStatus.Queued);
    }

    [Fact]
    public async Task AnOldOwnerThatHasNotNoticedTheTakeoverCannotExpireOrMakeAnOffer()
    {
        await using var deployment = await StartTwoAsync();
        var (a, b) = (deployment.A, deployment.B);
        await a.PostAsync(a.CustomerMessage("let me talk to a person"));
        await a.OfferedToAsync();
        var offered = await HandoffAsync(a);

        await KillOwnerSessionAsync($"bot-a-{deployment.Run}");
        await b.AdvanceAsync(Check);
        await b.Service<RoutingOwnerService>().WhenOwnerAsync().WaitAsync(Wait);

        // a's next check has not run: it still decides with the engine of its ended term.
        Assert.True(a.Service<RoutingProjection>().DecidesRouting);
        var staleTerm = a.Service<RoutingProjection>().BuiltForTerm;
        var due = offered.OfferedAt!.Value.AddSeconds(45);
        var expiry = await a.Service<IHandoffStore>().TryOwnerTransitionAsync(offered.Id, staleTerm, h => h.ExpireOffer(due), null, CancellationToken.None);
        var reoffer = await a.Service<IHandoffStore>().TryOwnerTransitionAsync(offered.Id, staleTerm, h => h.Offer("sam", due, "stale owner"), null, CancellationToken.None);

        Assert.Equal((HandoffError.NotRoutingOwner, HandoffError.NotRoutingOwner), (expiry.Error?.Code, reoffer.Error?.Code));
        var stored = await HandoffAsync(b);
        Assert.Equal((HandoffStatus.Offered, offered.OfferedTo, offered.Version), (stored.Status, stored.OfferedTo, stored.Version));

        // The new owner's decision with its own term is stored.
        var expired = await b.Service<IHandoffStore>().TryOwnerTransitionAsync(offered.Id, b.Service<RoutingProjection>().BuiltForTerm, h => h.ExpireOffer(due), null, CancellationToken.None);
        Assert.Equal(HandoffStatus.Queued, expired.Value?.Status);
        Assert.True(b.Service<RoutingProjection>().BuiltForTerm > staleTerm);
    }
}
