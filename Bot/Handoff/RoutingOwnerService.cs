using HandoffBot.AgentHub;
using HandoffBot.Routing;

namespace HandoffBot.Handoff;

/// <summary>
/// With several instances on one database: every <c>Routing:OwnerCheckInterval</c> (on the injected clock) this
/// instance keeps or tries to take routing ownership, brings its routing engine in line with the store (what the other
/// instances wrote: new handoffs, accepts, declines, ends, presence) and, as the owner, runs a dispatch round. Taking
/// ownership rebuilds the engine from the store first, so the offers the previous owner made stay outstanding with
/// their original time. Nothing runs on SQLite (one process, always the owner).
/// </summary>
public sealed partial class RoutingOwnerService(
    IRoutingOwnership ownership,
    RoutingProjection projection,
    HandoffDispatcher dispatcher,
    HubNotifier hub,
    TimeProvider time,
    ILogger<RoutingOwnerService> logger) : Threading.PeriodicWorker(time)
{
    private readonly Lock _signal = new();
    private TaskCompletionSource _owner = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _wasOwner;

    protected override TimeSpan? Period => ownership.CheckInterval;

    /// <summary>Completes once this instance owns routing and its engine is rebuilt (at once on SQLite).</summary>
    public Task WhenOwnerAsync()
    {
        lock (_signal)
        {
            return ownership.CheckInterval is null ? Task.CompletedTask : _owner.Task;
        }
    }

    /// <summary>The first check runs at start-up, so a lone instance decides from its first turn on.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (ownership.CheckInterval is not null)
        {
            try
            {
                await TickAsync(cancellationToken);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                OnTickFailed(exception);
            }
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task TickAsync(CancellationToken cancellationToken)
    {
        var owner = await ownership.CheckAsync(cancellationToken);
        if (owner && ownership.Term != projection.BuiltForTerm)
        {
            // Newly the owner (or again, after a gap in which another instance may have decided): rebuild from the store.
            await projection.RebuildAsync(ownership.Term, cancellationToken);
            LogTookOver(logger);
            lock (_signal)
            {
                _owner.TrySetResult();
            }
        }
        else
        {
            if (!owner && _wasOwner)
            {
                LogSteppedDown(logger);
                lock (_signal)
                {
                    _owner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
            await projection.ReconcileAsync(Routable, cancellationToken);
        }
        _wasOwner = owner;
        if (owner)
        {
            await dispatcher.DispatchAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Another instance changed these handoffs (null: changes may have been missed) and, with <paramref name="roster"/>,
    /// an agent's presence or capacity: as the owner, bring the engine in line with the store for them at once (the
    /// roster first: an agent who went away is not offered the handoff their going away put back) and run a dispatch
    /// round, instead of waiting for the next check.
    /// </summary>
    internal async Task ApplyChangesAsync(IReadOnlyCollection<string>? handoffIds, bool roster, CancellationToken cancellationToken)
    {
        if (!projection.DecidesRouting)
        {
            return; // a non-owner's engine follows the store at its checks; it makes no decision
        }
        await (handoffIds is null
            ? projection.ReconcileAsync(Routable, cancellationToken)
            : projection.ReconcileAsync(handoffIds, roster, Routable, cancellationToken));
        await dispatcher.DispatchAsync(cancellationToken);
    }

    /// <summary>
    /// A queued handoff another instance opened is routed once its announcement is stored (that instance's intake
    /// announces it; the owner's sweep re-announces what stays unannounced), so an offer never reaches the hub first.
    /// </summary>
    private bool Routable(HandoffRecord handoff) => !hub.IsConfigured || handoff.HubThread is not null;

    protected override void OnTickFailed(Exception exception) => LogCheckFailed(logger, exception);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Information, Message = "Routing engine rebuilt from the store after taking routing ownership (offers outstanding are kept)")]
    private static partial void LogTookOver(ILogger logger);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Warning, Message = "This instance no longer owns routing: it makes no offers until it owns it again")]
    private static partial void LogSteppedDown(ILogger logger);

    [LoggerMessage(EventId = 4405, Level = LogLevel.Error, Message = "The routing ownership check or reconciliation failed; it runs again at the next check")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
