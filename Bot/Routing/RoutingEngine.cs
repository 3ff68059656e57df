using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Routing;

/// <summary>
/// The routing engine (see docs/routing.md for the rules): a thin facade over its seams that holds the one lock.
/// <list type="bullet">
/// <item><see cref="WaitingQueues"/>: waiting items ordered by priority plus aging, relaxation.</item>
/// <item><see cref="AgentIndex"/> and <see cref="ShiftWatch"/>: skills, capacity per channel, presence, working hours.</item>
/// <item><see cref="WaitEstimator"/>: handling-time samples and honest wait estimates.</item>
/// <item><see cref="AssignmentMatcher"/>: candidates, the queue's policy, the last-agent preference.</item>
/// <item><see cref="RoutedItems"/>: the item catalogue (waiting, offered, accepted) and the offer lifecycle.</item>
/// </list>
/// After each
/// <see cref="Assign"/> no waiting item has a free, qualified, on-shift agent, so Assign only examines what changed.
/// The engine is a projection of the store: <see cref="Reset"/> empties it so it can be rebuilt from the facts.
/// </summary>
internal sealed class RoutingEngine : IRoutingEngine
{
    private readonly Lock _gate = new();
    private readonly RoutingOptions _options;
    private readonly RoutingPolicySet _policies;
    private readonly AgentIndex _agents;
    private readonly WaitingQueues _queues;
    private readonly WaitEstimator _estimates;
    private readonly AssignmentMatcher _matcher;
    private readonly RoutedItems _items;
    private readonly ILogger _logger;

    public RoutingEngine(IOptions<RoutingOptions> options, IEnumerable<IRoutingPolicy> policies, ILogger<RoutingEngine> logger)
        : this(options.Value, new RoutingPolicySet(options.Value, policies), logger)
    {
        var defaultPolicy = _policies.Default.Name;
        foreach (var queue in options.Value.Queues.Keys.Order(StringComparer.OrdinalIgnoreCase))
        {
            var policy = _policies.For(queue).Name;
            RoutingLog.QueuePolicy(logger, queue, policy, defaultPolicy);
        }
    }

    /// <summary>One policy for every queue that does not name its own (tests, benchmarks); a queue may only name this one.</summary>
    internal RoutingEngine(RoutingOptions options, IRoutingPolicy policy)
        : this(options, new RoutingPolicySet(options, [policy], policy), NullLogger.Instance)
    {
    }

    private RoutingEngine(RoutingOptions options, RoutingPolicySet policies, ILogger logger)
    {
        _logger = logger;
        _options = options;
        _policies = policies;
        _agents = new AgentIndex(string.IsNullOrWhiteSpace(options.FallbackSkill) ? null : options.FallbackSkill, options.DefaultLanguage);
        _queues = new WaitingQueues(options, _agents);
        _estimates = new WaitEstimator(options, _agents, _queues);
        _matcher = new AssignmentMatcher(options, policies, _agents, _queues);
        _items = new RoutedItems(_queues, _agents);
    }

    /// <summary>The name of <c>Routing:Policy</c> (the policy of queues that do not name their own).</summary>
    public string PolicyName => _policies.Default.Name;

    /// <summary>The policy that assigns the items of <paramref name="queue"/>.</summary>
    public string PolicyFor(string queue) => _policies.For(queue).Name;

    internal static IRoutingPolicy SelectPolicy(string name, IEnumerable<IRoutingPolicy> policies) =>
        RoutingPolicySet.Select(name, [.. policies]);

    /// <summary>
    /// Forgets every agent, item, handling time and last-served customer (the policies keep their own turn order), so
    /// the engine can be rebuilt from the store: at start-up, or when this instance takes over routing ownership.
    /// </summary>
    public void Reset()
    {
        lock (_gate)
        {
            RoutingLog.Reset(_logger, _agents.All.Count, _items.Count);
            _items.Clear();
            _queues.Clear();
            _agents.Clear();
            _estimates.Clear();
            _matcher.Clear();
        }
    }

    // ---------------------------------------------------------------- agents

    public void UpsertAgent(RoutableAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var zone = agent.Hours is { } hours ? ShiftCalendar.ResolveZone(hours.TimeZone) : null;
        lock (_gate)
        {
            var state = _agents.Upsert(agent, zone);
            if (state.Presence != AgentPresence.Available)
            {
                _items.RequeueOffersOf(state);
            }
        }
    }

    public void RemoveAgent(AgentId agent)
    {
        lock (_gate)
        {
            if (!_agents.Remove(agent, out var state))
            {
                return;
            }
            _items.RequeueOffersOf(state);
            _items.ForgetAccepted(state);
        }
    }

    public IReadOnlyList<string> SetPresence(AgentId agent, AgentPresence presence, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_agents.TryGet(agent, out var state))
            {
                return [];
            }
            _agents.SetPresence(state, presence);
            return presence == AgentPresence.Available ? [] : _items.RequeueOffersOf(state);
        }
    }

    public RoutableAgent? GetAgent(AgentId agent)
    {
        lock (_gate)
        {
            return _agents.TryGet(agent, out var state) ? state.ToRoutable() : null;
        }
    }

    public bool HasQualifiedAgent(string skill, string channelId, DateTimeOffset now, TimeSpan within)
    {
        lock (_gate)
        {
            var horizon = now + within;
            // A wait this long relaxes the requirement, so fallback-skill agents count too.
            return _agents.AnyOnlineSoon(skill, channelId, now, horizon)
                || (_agents.FallbackSkill is { } fallback && within >= _options.RelaxSkillAfter
                    && _agents.AnyOnlineSoon(fallback, channelId, now, horizon));
        }
    }

    public void RecordServed(string customerKey, AgentId agent, DateTimeOffset at)
    {
        lock (_gate)
        {
            _matcher.RememberServed(customerKey, agent, at);
        }
    }

    public void RecordHandlingTime(string queue, TimeSpan duration, DateTimeOffset at)
    {
        lock (_gate)
        {
            _estimates.AddHandlingTime(queue, duration, at);
        }
    }

    // ---------------------------------------------------------------- items

    public void AddWaiting(WaitingItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentException.ThrowIfNullOrWhiteSpace(item.Request.HandoffId);
        ArgumentException.ThrowIfNullOrWhiteSpace(item.Request.Skill);
        lock (_gate)
        {
            if (_items.Contains(item.Request.HandoffId))
            {
                throw new InvalidOperationException($"Handoff '{item.Request.HandoffId}' is already routed; remove or complete it first.");
            }
            _queues.Enqueue(_items.Track(item));
        }
    }

    public void RestoreAccepted(WaitingItem item, AgentId agent, DateTimeOffset acceptedAt)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            if (_items.Contains(item.Request.HandoffId))
            {
                RoutingLog.AlreadyRouted(_logger, item.Request.HandoffId, RoutedItemState.Accepted);
            }
            else if (_agents.TryGet(agent, out var state))
            {
                _items.HandTo(state, _items.Track(item), RoutedItemState.Accepted, acceptedAt);
            }
            else
            {
                RoutingLog.AcceptedByUnknownAgent(_logger, item.Request.HandoffId, agent);
            }
        }
    }

    public void RestoreOffered(WaitingItem item, AgentId agent, DateTimeOffset offeredAt)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            if (_items.Contains(item.Request.HandoffId))
            {
                RoutingLog.AlreadyRouted(_logger, item.Request.HandoffId, RoutedItemState.Offered);
                return;
            }
            var entry = _items.Track(item);
            if (_agents.TryGet(agent, out var state))
            {
                _items.HandTo(state, entry, RoutedItemState.Offered, offeredAt);
            }
            else
            {
                RoutingLog.OfferForUnknownAgent(_logger, item.Request.HandoffId, agent);
                _queues.Enqueue(entry);
            }
        }
    }

    public bool RemoveWaiting(string handoffId)
    {
        lock (_gate)
        {
            if (!_items.TryGet(handoffId, out var entry) || entry.State == RoutedItemState.Accepted)
            {
                return false;
            }
            _items.Withdraw(entry);
            return true;
        }
    }

    public bool Accept(string handoffId, AgentId agent, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_items.TryGet(handoffId, out var entry) || entry.State == RoutedItemState.Accepted
                || !_agents.TryGet(agent, out var state))
            {
                return false;
            }
            _items.Accept(entry, state, now);
            _matcher.RememberServed(entry.Request.CustomerKey, agent, now);
            return true;
        }
    }

    public bool Decline(string handoffId, DateTimeOffset now) => ReturnOffer(handoffId, now);

    public bool ExpireOffer(string handoffId, DateTimeOffset now) => ReturnOffer(handoffId, now);

    public bool Complete(string handoffId, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_items.TryGet(handoffId, out var entry) || entry.State != RoutedItemState.Accepted)
            {
                return false;
            }
            if (_items.Complete(entry, now) is { } handled)
            {
                _estimates.AddHandlingTime(entry.Request.Queue, handled, now);
            }
            return true;
        }
    }

    public RoutedItemStatus? GetStatus(string handoffId)
    {
        lock (_gate)
        {
            return _items.TryGet(handoffId, out var e)
                ? new RoutedItemStatus(e.Item, e.State, e.Agent?.Id, e.State == RoutedItemState.Waiting ? null : e.Since)
                : null;
        }
    }

    public IReadOnlyList<string> RoutedIds()
    {
        lock (_gate)
        {
            return _items.Ids();
        }
    }

    public IReadOnlyList<(WaitingItem Item, TimeSpan Waited)> Waiting(string? queue, DateTimeOffset now)
    {
        lock (_gate)
        {
            return [.. _queues.InOrder(queue).Select(e => (e.Item, now - e.Request.EnqueuedAt))];
        }
    }

    // ---------------------------------------------------------------- decisions

    public IReadOnlyList<Assignment> Assign(DateTimeOffset now, int max = int.MaxValue)
    {
        if (max <= 0)
        {
            return [];
        }
        lock (_gate)
        {
            _queues.RelaxDue(now);
            while (_agents.Shifts.TryTakeDue(now, out var started))
            {
                if (started.IsFree && _agents.Contains(started))
                {
                    _agents.MarkDirty(started);
                }
            }
            List<Assignment>? results = null;
            while ((results?.Count ?? 0) < max)
            {
                var best = _matcher.NextItem(now, out var fromAgent);
                if (best is null)
                {
                    break;
                }
                if (_matcher.Choose(best, now) is not { } choice)
                {
                    _queues.Dirty.Remove(best);
                    if (fromAgent)
                    {
                        break; // cannot happen (the agent was a candidate); never loop on it
                    }
                    continue;
                }
                _queues.Dequeue(best);
                _items.HandTo(choice.Agent, best, RoutedItemState.Offered, now);
                (results ??= []).Add(_matcher.ToAssignment(best, choice, now));
            }
            return results ?? (IReadOnlyList<Assignment>)Array.Empty<Assignment>();
        }
    }

    public WaitEstimate? Estimate(string handoffId, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_items.TryGet(handoffId, out var entry))
            {
                return null;
            }
            if (entry.State != RoutedItemState.Waiting)
            {
                return new WaitEstimate(0, TimeSpan.Zero, 0, entry.State == RoutedItemState.Offered
                    ? "An agent is being offered this conversation now."
                    : "An agent has accepted this conversation.");
            }
            _queues.RelaxDue(now); // the estimate depends on the time, not on whether Assign ran since
            return _estimates.Estimate(entry, now);
        }
    }

    public IReadOnlyDictionary<string, WaitEstimate> EstimateWaiting(DateTimeOffset now)
    {
        lock (_gate)
        {
            _queues.RelaxDue(now);
            return _estimates.EstimateAll(now);
        }
    }

    public WaitEstimate? Preview(HandoffRequest request, DateTimeOffset now) => Preview(new WaitingItem(request), now);

    public WaitEstimate? Preview(WaitingItem item, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            // Exactly the entry AddWaiting would create (it would arrive after everything already waiting).
            var entry = _queues.NewEntry(item, _queues.PeekSeq);
            _queues.RelaxIfDue(entry, now);
            return _estimates.Estimate(entry, now);
        }
    }

    private bool ReturnOffer(string handoffId, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_items.TryGet(handoffId, out var entry) || entry.State != RoutedItemState.Offered)
            {
                return false;
            }
            _items.ReturnOffer(entry, now);
            return true;
        }
    }
}
