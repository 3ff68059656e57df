using HandoffBot.Routing;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>
/// The routing engine as a projection of the handoff store: loaded once, at first use after a start, from the roster,
/// the active handoffs (waiting, offered with their original offer time, accepted) and the recently ended ones
/// (handling times for the estimates, last agents for the preference). Everything that reads the engine (the
/// coordinator, the agent console's views) asks for it to be loaded first. With several instances
/// (<see cref="IRoutingOwnership"/>) only the owner decides (<see cref="DecidesRouting"/>); every instance compares its
/// engine with the store at each ownership check (<see cref="ReconcileAsync"/>), which is how the owner learns of
/// handoffs, accepts, declines, ends and presence changes another instance wrote; an instance that takes ownership
/// rebuilds its engine from the store (<see cref="RebuildAsync"/>), keeping live offers with their original time.
/// </summary>
public sealed class RoutingProjection(IHandoffStore store, IRoutingEngine routing, IAgentDirectory agents, IRoutingOwnership ownership,
    IOptions<RoutingOptions> times, TimeProvider time) : IDisposable
{
    // Decisions (a dispatch round), the rebuild and the reconciliation run one at a time: an offer is in the engine
    // before it is in the store, and a reconciliation in between would take it for stale.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _track = new();
    private volatile bool _loaded;
    private long _builtFor;

    // The records of the last reconciliation, by id (under the gate): the next one reads only those whose version moved.
    private Dictionary<string, HandoffRecord> _seen = new(StringComparer.Ordinal);

    /// <summary>What the routing engine needs of a handoff.</summary>
    public static HandoffRequest RequestOf(HandoffRecord handoff) =>
        new(handoff.Id, handoff.Queue, handoff.Skill, (int)handoff.Priority, handoff.EnqueuedAt, handoff.CustomerKey, handoff.Customer.ChannelId!,
            handoff.Declined.Select(d => new AgentId(d)).ToHashSet())
        {
            Language = handoff.Language,
        };

    /// <summary>
    /// True when this instance makes routing decisions: always with one process (SQLite); with several, while it owns
    /// routing and its engine was rebuilt for its current term of ownership.
    /// </summary>
    public bool DecidesRouting => ownership.CheckInterval is null || (ownership.IsOwner && BuiltForTerm == ownership.Term);

    /// <summary>The term of ownership (<see cref="IRoutingOwnership.Term"/>) the engine was last rebuilt for.</summary>
    public long BuiltForTerm => Interlocked.Read(ref _builtFor);

    /// <summary>Holds the routing gate (a dispatch round, a rebuild, a reconciliation) until disposed.</summary>
    internal async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        return new Exit(_gate);
    }

    /// <summary>After a restart the routing engine is empty: puts waiting, offered and accepted handoffs back.</summary>
    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }
        using (await EnterAsync(cancellationToken))
        {
            if (!_loaded)
            {
                await LoadAsync(cancellationToken);
                _loaded = true;
            }
        }
    }

    /// <summary>
    /// This instance took routing ownership (term <paramref name="term"/>): the engine is emptied and rebuilt from the
    /// store (live offers kept with their original time); it decides from then on.
    /// </summary>
    public async Task RebuildAsync(long term, CancellationToken cancellationToken)
    {
        using (await EnterAsync(cancellationToken))
        {
            routing.Reset();
            _seen = new(StringComparer.Ordinal);
            _loaded = false;
            await LoadAsync(cancellationToken);
            _loaded = true;
            Interlocked.Exchange(ref _builtFor, term);
        }
    }

    /// <summary>
    /// Brings the engine in line with the store: presence changes, and every active handoff's state (new, offered,
    /// accepted, declined, transferred); items the store no longer has active leave the engine.
    /// <paramref name="routable"/> says whether a queued handoff the engine does not know may be routed yet (one another
    /// instance opened is routed once its announcement is stored, so an offer never reaches the hub before it).
    /// </summary>
    public async Task ReconcileAsync(Func<HandoffRecord, bool> routable, CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            await EnsureLoadedAsync(cancellationToken);
            return;
        }
        using (await EnterAsync(cancellationToken))
        {
            await ReconcileRosterAsync(cancellationToken);
            var known = new Dictionary<string, long>(_seen.Count, StringComparer.Ordinal);
            foreach (var (id, seen) in _seen)
            {
                known[id] = seen.Version;
            }
            var listed = await store.ListActiveChangedAsync(known, cancellationToken);
            var active = new Dictionary<string, HandoffRecord>(listed.Count, StringComparer.Ordinal);
            var stale = new List<string>();
            foreach (var (id, _, changed) in listed)
            {
                // An unchanged version is the record seen last time: the engine is checked against it all the same.
                var handoff = changed ?? _seen[id];
                active[id] = handoff;
                if (!InLine(handoff, routing.GetStatus(id)))
                {
                    stale.Add(id);
                }
            }
            _seen = active;
            stale.AddRange(routing.RoutedIds().Where(id => !active.ContainsKey(id))); // ended, cancelled or unassigned meanwhile
            foreach (var id in stale)
            {
                // Read again right before applying: this instance's own accept, decline or expiry may have moved the
                // handoff (store first, then engine) since the list was read, and the list must not undo it.
                await ApplyStoredAsync(id, routable, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Brings the engine in line with the store for <paramref name="handoffIds"/> only (another instance said they
    /// changed) and, with <paramref name="roster"/>, first for the agents' presence and capacity; see
    /// <see cref="ReconcileAsync(Func{HandoffRecord, bool}, CancellationToken)"/> for <paramref name="routable"/>.
    /// </summary>
    public async Task ReconcileAsync(IReadOnlyCollection<string> handoffIds, bool roster, Func<HandoffRecord, bool> routable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoffIds);
        if (!_loaded)
        {
            await EnsureLoadedAsync(cancellationToken);
            return;
        }
        using (await EnterAsync(cancellationToken))
        {
            if (roster)
            {
                await ReconcileRosterAsync(cancellationToken);
            }
            foreach (var id in handoffIds)
            {
                await ApplyStoredAsync(id, routable, cancellationToken);
            }
        }
    }

    /// <summary>Presence and capacity as the directory has them (another instance may have changed them).</summary>
    private async Task ReconcileRosterAsync(CancellationToken cancellationToken)
    {
        foreach (var agent in await agents.ListAsync(cancellationToken))
        {
            var known = routing.GetAgent(agent.Id);
            if (known is null || known.Presence != agent.Presence || !SameCapacity(known.CapacityPerChannel, agent.CapacityPerChannel))
            {
                // The engine keeps its own offers and accepted conversations and the agent's last assignment time.
                routing.UpsertAgent(agent.ToRoutable(lastAssignedAt: known?.LastAssignedAt ?? default));
            }
        }
    }

    private static bool SameCapacity(IReadOnlyDictionary<string, int> engine, IReadOnlyDictionary<string, int> stored) =>
        engine.Count == stored.Count && stored.All(c => engine.TryGetValue(c.Key, out var value) && value == c.Value);

    private async Task ApplyStoredAsync(string handoffId, Func<HandoffRecord, bool> routable, CancellationToken cancellationToken)
    {
        var fresh = await store.GetWithoutPacketAsync(handoffId, cancellationToken);
        if (fresh is null)
        {
            lock (_track)
            {
                Drop(handoffId, routing.GetStatus(handoffId), time.GetUtcNow());
            }
        }
        else if (fresh.Status != HandoffStatus.Queued || routing.GetStatus(handoffId) is not null || routable(fresh))
        {
            Track(fresh, time.GetUtcNow());
        }
    }

    /// <summary>
    /// Puts the engine's view of <paramref name="handoff"/> in line with the record (idempotent): queued waits (with its
    /// current declines, queue and skill), offered stays offered to its agent since its offer time, with an agent stays
    /// that agent's conversation, anything else leaves the engine.
    /// </summary>
    public void Track(HandoffRecord handoff, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        lock (_track)
        {
            var status = routing.GetStatus(handoff.Id);
            if (InLine(handoff, status))
            {
                return;
            }
            var item = new WaitingItem(RequestOf(handoff));
            switch (handoff)
            {
                case { Status: HandoffStatus.Offered, OfferedTo: { } offeredTo, OfferedAt: { } offeredAt }:
                    Drop(handoff.Id, status, now);
                    routing.RestoreOffered(item, new AgentId(offeredTo), offeredAt);
                    return;
                case { Status: HandoffStatus.WithAgent, AgentId: { } agentId }:
                    var agent = new AgentId(agentId);
                    if (status is { State: not RoutedItemState.Accepted } && routing.Accept(handoff.Id, agent, handoff.AcceptedAt ?? now))
                    {
                        return;
                    }
                    Drop(handoff.Id, status, now);
                    routing.RestoreAccepted(item, agent, handoff.AcceptedAt ?? now);
                    return;
                case { IsActive: true }: // queued; an offer without its agent or time waits again, as at a restart
                    Drop(handoff.Id, status, now);
                    routing.AddWaiting(item);
                    return;
                default:
                    Drop(handoff.Id, status, now);
                    return;
            }
        }
    }

    /// <summary>True when the engine holds <paramref name="handoff"/> as the record says (what <see cref="Track"/> would leave as it is).</summary>
    private static bool InLine(HandoffRecord handoff, RoutedItemStatus? status) => handoff switch
    {
        { Status: HandoffStatus.Offered, OfferedTo: { } to, OfferedAt: not null } => status is { State: RoutedItemState.Offered } && status.Agent == new AgentId(to),
        { Status: HandoffStatus.WithAgent, AgentId: { } agent } => status is { State: RoutedItemState.Accepted } && status.Agent == new AgentId(agent),
        { IsActive: true } => status is { State: RoutedItemState.Waiting } && SameRequest(status.Item.Request, RequestOf(handoff)),
        _ => status is null,
    };

    private void Drop(string handoffId, RoutedItemStatus? status, DateTimeOffset now)
    {
        if (status is { State: RoutedItemState.Accepted })
        {
            routing.Complete(handoffId, now);
        }
        else if (status is not null)
        {
            routing.RemoveWaiting(handoffId);
        }
    }

    private static bool SameRequest(HandoffRequest engine, HandoffRequest stored) =>
        string.Equals(engine.Queue, stored.Queue, StringComparison.Ordinal) && string.Equals(engine.Skill, stored.Skill, StringComparison.Ordinal)
        && engine.Declined.SetEquals(stored.Declined);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var agent in await agents.ListAsync(cancellationToken))
        {
            routing.UpsertAgent(agent.ToRoutable());
        }
        await RestoreHistoryAsync(now, cancellationToken);
        foreach (var handoff in await store.ListActiveWithoutPacketsAsync(cancellationToken))
        {
            // An offer survives the restart or takeover with its original time: the agent can still accept it, and it
            // expires as before.
            Track(handoff, now);
        }
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Exit(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    /// <summary>
    /// Handling times (accept to end) of handoffs ended within <c>Routing:EstimateWindow</c>, at most
    /// <c>EstimateMaxSamples</c> per queue, the most recent ones, and the last agent of each customer within
    /// <c>Routing:PreferLastAgentWithin</c>: the estimates and the last-agent preference are the same after a restart.
    /// </summary>
    private async Task RestoreHistoryAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var window = times.Value.EstimateWindow;
        var prefer = times.Value.PreferLastAgentWithin;
        var ended = await store.ListEndedSinceAsync(now - (window > prefer ? window : prefer), cancellationToken);
        var samples = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var handled = new List<HandoffRecord>();
        for (var i = ended.Count - 1; i >= 0; i--)
        {
            if (ended[i] is { AgentId: not null, AcceptedAt: not null, EndedAt: { } at } handoff && at >= now - window
                && samples.GetValueOrDefault(handoff.Queue) < times.Value.EstimateMaxSamples)
            {
                samples[handoff.Queue] = samples.GetValueOrDefault(handoff.Queue) + 1;
                handled.Add(handoff);
            }
        }
        for (var i = handled.Count - 1; i >= 0; i--)
        {
            routing.RecordHandlingTime(handled[i].Queue, handled[i].EndedAt!.Value - handled[i].AcceptedAt!.Value, handled[i].EndedAt!.Value);
        }
        foreach (var handoff in ended)
        {
            if (handoff is { AgentId: { } agent, AcceptedAt: { } accepted } && accepted >= now - prefer)
            {
                routing.RecordServed(handoff.CustomerKey, new AgentId(agent), accepted);
            }
        }
    }
}
