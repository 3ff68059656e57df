using System.Globalization;
using Microsoft.Extensions.Options;

namespace HandoffBot.Routing;

/// <summary>
/// The in-memory routing engine (see README "Routing" for the rules). One lock guards all state; every operation is
/// logarithmic in the number of waiting items or linear only in what changed since the last
/// <see cref="Assign"/>:
/// <list type="bullet">
/// <item>Waiting items sit in per-skill sorted sets, one per required proficiency (1-5), ordered by the
/// time-invariant key <c>basePriority * AgingStep - enqueuedAt</c>: effective priority
/// <c>basePriority + waited / AgingStep</c> orders items exactly like it at every instant, so aging never needs a
/// rescan.</item>
/// <item>Relaxation is a time event: a set ordered by enqueue time hands items over to the proficiency-1 set (and to
/// the fallback-skill set) once they have waited <c>RelaxSkillAfter</c>.</item>
/// <item>Agents are indexed by skill, with a per-skill set of <em>free</em> agents (available, below capacity).</item>
/// <item>After each <see cref="Assign"/> no waiting item has a free, qualified, on-shift agent. Only what changed
/// can create a match: new or returned items, agents who gained room or came back, relaxed items and shifts that
/// started. Assign examines exactly those, best item first.</item>
/// </list>
/// </summary>
internal sealed class RoutingEngine : IRoutingEngine
{
    private const int MaxProficiency = 5;

    private static readonly Comparer<Entry> ByPriority = Comparer<Entry>.Create(static (a, b) =>
    {
        var byKey = b.Key.CompareTo(a.Key);
        return byKey != 0 ? byKey : a.Seq.CompareTo(b.Seq);
    });

    private static readonly Comparer<Entry> ByEnqueued = Comparer<Entry>.Create(static (a, b) =>
    {
        var byTime = a.EnqueuedTicks.CompareTo(b.EnqueuedTicks);
        return byTime != 0 ? byTime : a.Seq.CompareTo(b.Seq);
    });

    private readonly Lock _gate = new();
    private readonly RoutingOptions _options;
    private readonly IRoutingPolicy _policy;
    private readonly long _agingTicks;
    private readonly string? _fallbackSkill;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SkillIndex> _skills = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SortedSet<Entry>> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly SortedSet<Entry> _relaxedForFallback = new(ByPriority);
    private readonly SortedSet<Entry> _notYetRelaxed = new(ByEnqueued);
    private readonly SortedSet<Entry> _dirtyItems = new(ByPriority);
    // A list with a flag on the agent: HashSet enumeration costs its high-water mark, not its count.
    private readonly List<AgentState> _dirtyAgents = [];
    private readonly PriorityQueue<AgentState, DateTimeOffset> _shiftStarts = new();
    private readonly Dictionary<AgentId, AgentState> _agents = [];
    private readonly Dictionary<string, (AgentId Agent, DateTimeOffset At)> _lastServed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<(DateTimeOffset At, TimeSpan Duration)>> _handling = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<AgentAvailability> _candidates = [];
    private int _lastServedPruneAt = 1024;
    private long _seq;
    private int _stamp;

    public RoutingEngine(IOptions<RoutingOptions> options, IEnumerable<IRoutingPolicy> policies)
        : this(options.Value, SelectPolicy(options.Value.Policy, policies))
    {
    }

    internal RoutingEngine(RoutingOptions options, IRoutingPolicy policy)
    {
        _options = options;
        _policy = policy;
        _agingTicks = options.AgingStep.Ticks;
        _fallbackSkill = string.IsNullOrWhiteSpace(options.FallbackSkill) ? null : options.FallbackSkill;
    }

    public string PolicyName => _policy.Name;

    internal static IRoutingPolicy SelectPolicy(string name, IEnumerable<IRoutingPolicy> policies)
    {
        var all = policies.ToList();
        return all.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"Routing:Policy '{name}' is not a known routing policy. Known policies: {string.Join(", ", all.Select(p => p.Name).Order(StringComparer.Ordinal))}.");
    }

    // ---------------------------------------------------------------- agents

    public void UpsertAgent(RoutableAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var zone = agent.Hours is { } hours ? ShiftCalendar.ResolveZone(hours.TimeZone) : null;
        lock (_gate)
        {
            if (_agents.TryGetValue(agent.Id, out var state))
            {
                Unindex(state);
            }
            else
            {
                state = new AgentState(agent.Id) { LastAssignedAt = agent.LastAssignedAt };
                _agents.Add(agent.Id, state);
            }
            state.Name = agent.Name;
            state.Skills = agent.Skills
                .GroupBy(s => s.Skill, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => Math.Clamp(g.Max(s => s.Proficiency), 1, MaxProficiency), StringComparer.OrdinalIgnoreCase);
            state.Capacity = new Dictionary<string, int>(agent.CapacityPerChannel, StringComparer.OrdinalIgnoreCase);
            state.DefaultCapacity = state.Capacity.TryGetValue("*", out var star) ? star : 0;
            state.UniformCapacity = state.Capacity.Count == 0 || (state.Capacity.Count == 1 && state.Capacity.ContainsKey("*"));
            state.MaxCapacity = state.Capacity.Count == 0 ? 0 : state.Capacity.Values.Max();
            state.Presence = agent.Presence;
            state.Untracked = Math.Max(0, agent.ActiveConversations);
            state.Hours = agent.Hours;
            state.Zone = zone;
            state.ShiftUntil = DateTimeOffset.MinValue;
            if (agent.LastAssignedAt > state.LastAssignedAt)
            {
                state.LastAssignedAt = agent.LastAssignedAt;
            }
            state.Snapshot = null;
            state.SkillRefs = [.. state.Skills.Select(kv => (Skill(kv.Key), kv.Value))];
            state.FallbackLevel = _fallbackSkill is not null && state.Skills.TryGetValue(_fallbackSkill, out var level) ? level : 0;
            state.SkillList = [.. state.Skills.Select(kv => new AgentSkill(kv.Key, kv.Value))];
            foreach (var (index, _) in state.SkillRefs)
            {
                index.Agents.Add(state);
            }
            Touched(state);
            if (state.Presence != AgentPresence.Available)
            {
                RequeueOffersOf(state);
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
            state.Presence = AgentPresence.Offline;
            RequeueOffersOf(state);
            Unindex(state); // no longer free: dropped from the dirty list at the next Assign
            foreach (var accepted in state.Accepted)
            {
                _entries.Remove(accepted.Request.HandoffId);
            }
            state.Accepted.Clear();
        }
    }

    public IReadOnlyList<string> SetPresence(AgentId agent, AgentPresence presence, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_agents.TryGetValue(agent, out var state))
            {
                return [];
            }
            state.Presence = presence;
            state.Snapshot = null;
            Touched(state);
            return presence == AgentPresence.Available ? [] : RequeueOffersOf(state);
        }
    }

    public RoutableAgent? GetAgent(AgentId agent)
    {
        lock (_gate)
        {
            return _agents.TryGetValue(agent, out var s)
                ? new RoutableAgent(s.Id, s.Name, [.. s.Skills.Select(kv => new AgentSkill(kv.Key, kv.Value))],
                    new Dictionary<string, int>(s.Capacity, StringComparer.OrdinalIgnoreCase), s.Presence, s.Hours, s.Active, s.LastAssignedAt)
                : null;
        }
    }

    // ---------------------------------------------------------------- items

    public void AddWaiting(WaitingItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var request = item.Request;
        ArgumentException.ThrowIfNullOrWhiteSpace(request.HandoffId);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Skill);
        lock (_gate)
        {
            if (_entries.ContainsKey(request.HandoffId))
            {
                throw new InvalidOperationException($"Handoff '{request.HandoffId}' is already routed; remove or complete it first.");
            }
            var entry = NewEntry(item);
            _entries.Add(request.HandoffId, entry);
            Enqueue(entry);
        }
    }

    public void RestoreAccepted(WaitingItem item, AgentId agent, DateTimeOffset acceptedAt)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            if (_entries.ContainsKey(item.Request.HandoffId) || !_agents.TryGetValue(agent, out var state))
            {
                return;
            }
            var entry = NewEntry(item);
            _entries.Add(item.Request.HandoffId, entry);
            entry.State = RoutedItemState.Accepted;
            entry.Agent = state;
            entry.Since = acceptedAt;
            state.Accepted.Add(entry);
            AgentLoadChanged(state, gainedRoom: false);
        }
    }

    public void RestoreOffered(WaitingItem item, AgentId agent, DateTimeOffset offeredAt)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            if (_entries.ContainsKey(item.Request.HandoffId))
            {
                return;
            }
            var entry = NewEntry(item);
            _entries.Add(item.Request.HandoffId, entry);
            if (!_agents.TryGetValue(agent, out var state))
            {
                Enqueue(entry); // the agent left the roster: the item waits for someone else
                return;
            }
            HandTo(state, entry, RoutedItemState.Offered, offeredAt);
        }
    }

    public WaitEstimate? Preview(HandoffRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var entry = NewEntry(new WaitingItem(request));
            var position = 1 + (_queues.TryGetValue(request.Queue, out var queue) ? queue.Count(e => ByPriority.Compare(e, entry) < 0) : 0);
            var samples = RecentHandlingTimes(request.Queue, now, out var mean);
            return EstimateAt(entry, position, samples, mean, OnlineSlots(entry, now));
        }
    }

    public bool RemoveWaiting(string handoffId)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(handoffId, out var entry) || entry.State == RoutedItemState.Accepted)
            {
                return false;
            }
            if (entry.State == RoutedItemState.Waiting)
            {
                Dequeue(entry);
            }
            else
            {
                ReleaseOffer(entry);
            }
            _entries.Remove(handoffId);
            return true;
        }
    }

    public bool Accept(string handoffId, AgentId agent, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(handoffId, out var entry) || entry.State == RoutedItemState.Accepted
                || !_agents.TryGetValue(agent, out var state))
            {
                return false;
            }
            if (entry.State == RoutedItemState.Waiting)
            {
                Dequeue(entry);
            }
            else if (entry.Agent != state)
            {
                ReleaseOffer(entry);
            }
            else
            {
                state.Offered.Remove(entry);
            }
            HandTo(state, entry, RoutedItemState.Accepted, now);
            RememberServed(entry.Request.CustomerKey, agent, now);
            return true;
        }
    }

    public bool Decline(string handoffId, DateTimeOffset now) => ReturnOffer(handoffId, now);

    public bool ExpireOffer(string handoffId, DateTimeOffset now) => ReturnOffer(handoffId, now);

    public bool Complete(string handoffId, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(handoffId, out var entry) || entry.State != RoutedItemState.Accepted)
            {
                return false;
            }
            _entries.Remove(handoffId);
            var agent = entry.Agent!;
            agent.Accepted.Remove(entry);
            AgentLoadChanged(agent, gainedRoom: true);
            if (now >= entry.Since)
            {
                AddHandlingTime(entry.Request.Queue, now - entry.Since, now);
            }
            return true;
        }
    }

    public RoutedItemStatus? GetStatus(string handoffId)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(handoffId, out var e)
                ? new RoutedItemStatus(e.Item, e.State, e.Agent?.Id, e.State == RoutedItemState.Waiting ? null : e.Since)
                : null;
        }
    }

    public void RecordServed(string customerKey, AgentId agent, DateTimeOffset at)
    {
        lock (_gate)
        {
            RememberServed(customerKey, agent, at);
        }
    }

    public void RecordHandlingTime(string queue, TimeSpan duration, DateTimeOffset at)
    {
        lock (_gate)
        {
            AddHandlingTime(queue, duration, at);
        }
    }

    // ---------------------------------------------------------------- assignment

    public IReadOnlyList<Assignment> Assign(DateTimeOffset now, int max = int.MaxValue)
    {
        if (max <= 0)
        {
            return [];
        }
        lock (_gate)
        {
            RelaxDueItems(now);
            WakeShiftStarts(now);
            List<Assignment>? results = null;
            while ((results?.Count ?? 0) < max)
            {
                var best = _dirtyItems.Count == 0 ? null : _dirtyItems.Min;
                var fromAgent = false;
                if (_dirtyAgents.Count > 0)
                {
                    var kept = 0;
                    for (var i = 0; i < _dirtyAgents.Count; i++)
                    {
                        var agent = _dirtyAgents[i];
                        var found = agent.IsFree && OnShift(agent, now) ? BestItemFor(agent, best) : null;
                        if (found is null)
                        {
                            agent.Dirty = false;
                            continue;
                        }
                        _dirtyAgents[kept++] = agent;
                        if (best is null || ByPriority.Compare(found, best) < 0)
                        {
                            best = found;
                            fromAgent = true;
                        }
                    }
                    _dirtyAgents.RemoveRange(kept, _dirtyAgents.Count - kept);
                }
                if (best is null)
                {
                    break;
                }
                var assignment = TryOffer(best, now);
                if (assignment is null)
                {
                    _dirtyItems.Remove(best);
                    if (fromAgent)
                    {
                        break; // cannot happen (the agent was a candidate); never loop on it
                    }
                    continue;
                }
                (results ??= []).Add(assignment);
            }
            return results ?? (IReadOnlyList<Assignment>)Array.Empty<Assignment>();
        }
    }

    public bool HasQualifiedAgent(string skill, string channelId, DateTimeOffset now, TimeSpan within)
    {
        lock (_gate)
        {
            var horizon = now + within;
            if (_skills.TryGetValue(skill, out var index) && AnyOnlineSoon(index, channelId, now, horizon))
            {
                return true;
            }
            // A wait this long relaxes the requirement, so fallback-skill agents count too.
            return _fallbackSkill is not null && within >= _options.RelaxSkillAfter
                && _skills.TryGetValue(_fallbackSkill, out var fallback) && AnyOnlineSoon(fallback, channelId, now, horizon);
        }
    }

    public WaitEstimate? Estimate(string handoffId, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(handoffId, out var entry))
            {
                return null;
            }
            if (entry.State != RoutedItemState.Waiting)
            {
                return new WaitEstimate(0, TimeSpan.Zero, 0, entry.State == RoutedItemState.Offered
                    ? "An agent is being offered this conversation now."
                    : "An agent has accepted this conversation.");
            }
            var request = entry.Request;
            var position = 1;
            foreach (var other in _queues[request.Queue])
            {
                if (other == entry)
                {
                    break;
                }
                position++;
            }
            var samples = RecentHandlingTimes(request.Queue, now, out var mean);
            return EstimateAt(entry, position, samples, mean, OnlineSlots(entry, now));
        }
    }

    public IReadOnlyDictionary<string, WaitEstimate> EstimateWaiting(DateTimeOffset now)
    {
        lock (_gate)
        {
            var estimates = new Dictionary<string, WaitEstimate>(_entries.Count, StringComparer.Ordinal);
            // Items that route alike see the same online slots: counted once per kind, not once per item.
            var slots = new Dictionary<(string Skill, int Bucket, bool Relaxed, string Channel), int>();
            foreach (var (queue, waiting) in _queues)
            {
                var samples = RecentHandlingTimes(queue, now, out var mean);
                var position = 0;
                foreach (var entry in waiting)
                {
                    position++;
                    var kind = (entry.Request.Skill, entry.Bucket, entry.Relaxed, entry.Request.CustomerChannelId);
                    if (!slots.TryGetValue(kind, out var online))
                    {
                        slots[kind] = online = OnlineSlots(entry, now);
                    }
                    estimates[entry.Request.HandoffId] = EstimateAt(entry, position, samples, mean, online);
                }
            }
            return estimates;
        }
    }

    /// <summary>The estimate for a waiting item at <paramref name="position"/> in its queue.</summary>
    private WaitEstimate EstimateAt(Entry entry, int position, int samples, TimeSpan mean, int slots)
    {
        var request = entry.Request;
        if (samples < _options.EstimateMinSamples)
        {
            return new WaitEstimate(position, null, samples,
                $"Not enough recent data to estimate: {samples} conversation(s) handled in the {request.Queue} queue in the last {Describe(_options.EstimateWindow)}, at least {_options.EstimateMinSamples} needed.");
        }
        if (slots == 0)
        {
            return new WaitEstimate(position, null, samples,
                $"No agent qualified for {request.Skill} is online right now, so there is no honest estimate.");
        }
        var estimate = TimeSpan.FromSeconds(Math.Round(mean.TotalSeconds * position / slots));
        return new WaitEstimate(position, estimate, samples,
            $"Position {position} in the {request.Queue} queue; about {Describe(estimate)} from the last {samples} handling time(s) (mean {Describe(mean)}) over {slots} agent slot(s) online.");
    }

    public IReadOnlyList<(WaitingItem Item, TimeSpan Waited)> Waiting(string? queue, DateTimeOffset now)
    {
        lock (_gate)
        {
            IEnumerable<Entry> entries;
            if (queue is not null)
            {
                entries = _queues.TryGetValue(queue, out var set) ? set : [];
            }
            else
            {
                entries = _queues.Values.SelectMany(s => s).Order(ByPriority);
            }
            return [.. entries.Select(e => (e.Item, now - e.Request.EnqueuedAt))];
        }
    }

    // ---------------------------------------------------------------- internals: items

    private Entry NewEntry(WaitingItem item)
    {
        var request = item.Request;
        var queuePriority = _options.Queues.TryGetValue(request.Queue, out var q) ? q.Priority : 0;
        var basePriority = Math.Clamp((long)request.Priority + queuePriority, -10_000, 10_000);
        return new Entry(item, basePriority * _agingTicks - request.EnqueuedAt.UtcTicks, ++_seq)
        {
            Bucket = Math.Clamp(item.RequiredProficiency, 1, MaxProficiency),
        };
    }

    /// <summary>Puts a waiting entry into every index and marks it for the next Assign.</summary>
    private void Enqueue(Entry entry)
    {
        entry.State = RoutedItemState.Waiting;
        entry.Agent = null;
        Skill(entry.Request.Skill).Bucket(entry.Bucket).Add(entry);
        Queue(entry.Request.Queue).Add(entry);
        if (entry.Relaxed)
        {
            if (_fallbackSkill is not null)
            {
                _relaxedForFallback.Add(entry);
            }
        }
        else
        {
            _notYetRelaxed.Add(entry);
        }
        if (MayHaveFreeAgent(entry))
        {
            _dirtyItems.Add(entry);
        }
    }

    /// <summary>
    /// False when no agent with room is qualified for the entry: then it need not be examined at the next Assign
    /// (an agent gaining room, the entry relaxing or a shift starting will bring them together).
    /// </summary>
    private bool MayHaveFreeAgent(Entry entry)
    {
        if (_skills.TryGetValue(entry.Request.Skill, out var index))
        {
            for (var level = entry.Bucket; level <= MaxProficiency; level++)
            {
                if (index.Free[level].Count > 0)
                {
                    return true;
                }
            }
        }
        return entry.Relaxed && _fallbackSkill is not null && _skills.TryGetValue(_fallbackSkill, out var fallback) && fallback.FreeCount > 0;
    }

    private void Dequeue(Entry entry)
    {
        Skill(entry.Request.Skill).Bucket(entry.Bucket).Remove(entry);
        var queue = Queue(entry.Request.Queue);
        queue.Remove(entry);
        if (queue.Count == 0)
        {
            _queues.Remove(entry.Request.Queue);
        }
        if (entry.Relaxed)
        {
            _relaxedForFallback.Remove(entry);
        }
        else
        {
            _notYetRelaxed.Remove(entry);
        }
        _dirtyItems.Remove(entry);
    }

    private void RelaxDueItems(DateTimeOffset now)
    {
        var due = (now - _options.RelaxSkillAfter).UtcTicks;
        while (_notYetRelaxed.Count > 0)
        {
            var entry = _notYetRelaxed.Min!;
            if (entry.EnqueuedTicks > due)
            {
                break;
            }
            _notYetRelaxed.Remove(entry);
            if (entry.Bucket != 1)
            {
                var skill = Skill(entry.Request.Skill);
                skill.Bucket(entry.Bucket).Remove(entry);
                entry.Bucket = 1;
                skill.Bucket(1).Add(entry);
            }
            entry.Relaxed = true;
            if (_fallbackSkill is not null)
            {
                _relaxedForFallback.Add(entry);
            }
            _dirtyItems.Add(entry);
        }
    }

    private bool ReturnOffer(string handoffId, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(handoffId, out var entry) || entry.State != RoutedItemState.Offered)
            {
                return false;
            }
            var agent = entry.Agent!;
            var request = entry.Request;
            if (!request.Declined.Contains(agent.Id))
            {
                var declined = new HashSet<AgentId>(request.Declined) { agent.Id };
                entry.Item = entry.Item with { Request = request with { Declined = declined } };
            }
            ReleaseOffer(entry);
            if (!entry.Relaxed && now - request.EnqueuedAt >= _options.RelaxSkillAfter)
            {
                entry.Relaxed = true;
                entry.Bucket = 1;
            }
            Enqueue(entry);
            return true;
        }
    }

    /// <summary>
    /// Gives <paramref name="entry"/> (no longer waiting) to <paramref name="agent"/>, offered or accepted as of
    /// <paramref name="now"/>: it counts towards the agent's load and is their latest assignment.
    /// </summary>
    private void HandTo(AgentState agent, Entry entry, RoutedItemState state, DateTimeOffset now)
    {
        entry.State = state;
        entry.Agent = agent;
        entry.Since = now;
        (state == RoutedItemState.Accepted ? agent.Accepted : agent.Offered).Add(entry);
        if (now > agent.LastAssignedAt)
        {
            agent.LastAssignedAt = now;
        }
        AgentLoadChanged(agent, gainedRoom: false);
    }

    /// <summary>Takes an offered entry away from its agent (the caller decides where the entry goes).</summary>
    private void ReleaseOffer(Entry entry)
    {
        var agent = entry.Agent!;
        agent.Offered.Remove(entry);
        entry.Agent = null;
        AgentLoadChanged(agent, gainedRoom: true);
    }

    private List<string> RequeueOffersOf(AgentState agent)
    {
        var ids = new List<string>(agent.Offered.Count);
        foreach (var entry in agent.Offered.ToList())
        {
            ReleaseOffer(entry);
            Enqueue(entry);
            ids.Add(entry.Request.HandoffId);
        }
        return ids;
    }

    private void RememberServed(string customerKey, AgentId agent, DateTimeOffset at)
    {
        if (string.IsNullOrEmpty(customerKey))
        {
            return;
        }
        if (!_lastServed.TryGetValue(customerKey, out var last) || at >= last.At)
        {
            _lastServed[customerKey] = (agent, at);
        }
        if (_lastServed.Count >= _lastServedPruneAt)
        {
            var cutoff = at - _options.PreferLastAgentWithin;
            foreach (var (key, value) in _lastServed.Where(kv => kv.Value.At < cutoff).ToList())
            {
                _lastServed.Remove(key);
            }
            _lastServedPruneAt = Math.Max(1024, _lastServed.Count * 2);
        }
    }

    private void AddHandlingTime(string queue, TimeSpan duration, DateTimeOffset at)
    {
        if (!_handling.TryGetValue(queue, out var samples))
        {
            _handling[queue] = samples = new Queue<(DateTimeOffset, TimeSpan)>();
        }
        samples.Enqueue((at, duration));
        while (samples.Count > _options.EstimateMaxSamples)
        {
            samples.Dequeue();
        }
    }

    private int RecentHandlingTimes(string queue, DateTimeOffset now, out TimeSpan mean)
    {
        mean = TimeSpan.Zero;
        if (!_handling.TryGetValue(queue, out var samples))
        {
            return 0;
        }
        var since = now - _options.EstimateWindow;
        long ticks = 0;
        var count = 0;
        foreach (var (at, duration) in samples)
        {
            if (at >= since && at <= now)
            {
                ticks += duration.Ticks;
                count++;
            }
        }
        if (count > 0)
        {
            mean = TimeSpan.FromTicks(ticks / count);
        }
        return count;
    }

    // ---------------------------------------------------------------- internals: matching

    /// <summary>The best waiting item this (free, on-shift) agent qualifies for and has room for, better than <paramref name="bound"/>.</summary>
    private Entry? BestItemFor(AgentState agent, Entry? bound)
    {
        Entry? best = null;
        foreach (var (index, proficiency) in agent.SkillRefs)
        {
            for (var level = 1; level <= proficiency; level++)
            {
                var set = index.Buckets[level];
                if (set is { Count: > 0 })
                {
                    best = FirstEligible(set, agent, best ?? bound) ?? best;
                }
            }
        }
        if (agent.FallbackLevel > 0 && _relaxedForFallback.Count > 0)
        {
            best = FirstEligible(_relaxedForFallback, agent, best ?? bound) ?? best;
        }
        return best;
    }

    /// <summary>The first entry of <paramref name="set"/> the agent can take, if it is better than <paramref name="bound"/>.</summary>
    private static Entry? FirstEligible(SortedSet<Entry> set, AgentState agent, Entry? bound)
    {
        var top = set.Min!;
        if (bound is not null && ByPriority.Compare(top, bound) >= 0)
        {
            return null;
        }
        if (CanTake(agent, top))
        {
            return top;
        }
        foreach (var entry in set)
        {
            if (bound is not null && ByPriority.Compare(entry, bound) >= 0)
            {
                return null;
            }
            if (CanTake(agent, entry))
            {
                return entry;
            }
        }
        return null;
    }

    /// <summary>Room on the item's channel and not declined (qualification is decided by the caller's index).</summary>
    private static bool CanTake(AgentState agent, Entry entry) =>
        agent.Active < agent.CapacityFor(entry.Request.CustomerChannelId)
        && (entry.Request.Declined.Count == 0 || !entry.Request.Declined.Contains(agent.Id));

    private bool Qualifies(AgentState agent, Entry entry) =>
        (agent.Skills.TryGetValue(entry.Request.Skill, out var proficiency) && proficiency >= entry.Bucket)
        || (entry.Relaxed && _fallbackSkill is not null && agent.Skills.ContainsKey(_fallbackSkill));

    /// <summary>Collects the candidates for one item, picks one (preferred last agent, else the policy) and offers.</summary>
    private Assignment? TryOffer(Entry entry, DateTimeOffset now)
    {
        var request = entry.Request;
        var stamp = ++_stamp;
        _candidates.Clear();
        if (_skills.TryGetValue(request.Skill, out var index))
        {
            AddCandidates(index, entry.Bucket, entry, now, stamp);
        }
        if (entry.Relaxed && _fallbackSkill is not null && _skills.TryGetValue(_fallbackSkill, out var fallback))
        {
            AddCandidates(fallback, 1, entry, now, stamp);
        }
        if (_candidates.Count == 0)
        {
            return null;
        }
        AgentId? chosen = null;
        string reason;
        if (_lastServed.TryGetValue(request.CustomerKey, out var last) && now - last.At <= _options.PreferLastAgentWithin
            && _candidates.Exists(c => c.Id == last.Agent))
        {
            chosen = last.Agent;
            reason = $"served this customer {Describe(now - last.At)} ago";
        }
        else
        {
            chosen = _policy.Pick(request, _candidates);
            reason = _policy.Name;
        }
        if (chosen is not { } id || !_agents.TryGetValue(id, out var agent) || agent.Stamp != stamp)
        {
            throw new InvalidOperationException($"Routing policy '{_policy.Name}' picked an agent who is not a candidate.");
        }
        _candidates.Clear();
        Dequeue(entry);
        HandTo(agent, entry, RoutedItemState.Offered, now);
        var waited = now - request.EnqueuedAt;
        var why = string.Create(CultureInfo.InvariantCulture,
            $"{reason}; effective priority {EffectivePriority(entry, waited):0.##} after {Describe(waited)} in {request.Queue}{(entry.Relaxed ? " (skill requirement relaxed)" : "")}");
        return new Assignment(request.HandoffId, agent.Id, _policy.Name, why);
    }

    private double EffectivePriority(Entry entry, TimeSpan waited) =>
        (entry.Key + entry.EnqueuedTicks) / (double)_agingTicks + waited.Ticks / (double)_agingTicks;

    /// <summary>Adds the free agents of <paramref name="index"/> with proficiency at least <paramref name="minLevel"/> who can take the entry now.</summary>
    private void AddCandidates(SkillIndex index, int minLevel, Entry entry, DateTimeOffset now, int stamp)
    {
        var channel = entry.Request.CustomerChannelId;
        var lastAgent = _lastServed.TryGetValue(entry.Request.CustomerKey, out var last) ? last.Agent : default(AgentId?);
        for (var level = minLevel; level <= MaxProficiency; level++)
        {
            foreach (var agent in index.Free[level])
            {
                if (agent.Stamp == stamp)
                {
                    continue;
                }
                if (!CanTake(agent, entry) || !OnShift(agent, now))
                {
                    continue;
                }
                agent.Stamp = stamp;
                _candidates.Add(agent.Availability(channel, lastAgent == agent.Id ? last.At : null));
            }
        }
    }

    private bool AnyOnlineSoon(SkillIndex index, string channelId, DateTimeOffset now, DateTimeOffset horizon)
    {
        foreach (var agent in index.Agents)
        {
            if (agent.Presence == AgentPresence.Available && agent.CapacityFor(channelId) > 0
                && (OnShift(agent, now) || agent.ShiftUntil <= horizon))
            {
                return true;
            }
        }
        return false;
    }

    private int OnlineSlots(Entry entry, DateTimeOffset now)
    {
        var stamp = ++_stamp;
        var slots = 0;
        Count(entry.Request.Skill);
        if (entry.Relaxed && _fallbackSkill is not null)
        {
            Count(_fallbackSkill);
        }
        return slots;

        void Count(string skill)
        {
            if (!_skills.TryGetValue(skill, out var index))
            {
                return;
            }
            foreach (var agent in index.Agents)
            {
                if (agent.Stamp != stamp && agent.Presence == AgentPresence.Available && Qualifies(agent, entry) && OnShift(agent, now))
                {
                    agent.Stamp = stamp;
                    slots += agent.CapacityFor(entry.Request.CustomerChannelId);
                }
            }
        }
    }

    /// <summary>On shift at <paramref name="now"/> (cached until the next shift boundary). Off-shift agents are watched for their next start.</summary>
    private bool OnShift(AgentState agent, DateTimeOffset now)
    {
        if (agent.Hours is not { } hours)
        {
            return true;
        }
        if (now < agent.ShiftFrom || now >= agent.ShiftUntil)
        {
            (agent.OnShift, agent.ShiftUntil) = ShiftCalendar.Evaluate(hours, agent.Zone!, now);
            agent.ShiftFrom = now;
        }
        if (!agent.OnShift && agent.WatchedFor != agent.ShiftUntil)
        {
            agent.WatchedFor = agent.ShiftUntil;
            _shiftStarts.Enqueue(agent, agent.ShiftUntil);
        }
        return agent.OnShift;
    }

    private void WakeShiftStarts(DateTimeOffset now)
    {
        while (_shiftStarts.TryPeek(out var agent, out var at) && at <= now)
        {
            _shiftStarts.Dequeue();
            if (agent.WatchedFor == at)
            {
                agent.WatchedFor = DateTimeOffset.MinValue;
            }
            if (agent.IsFree && _agents.ContainsKey(agent.Id))
            {
                MarkDirty(agent);
            }
        }
    }

    // ---------------------------------------------------------------- internals: agent indexes

    /// <summary>The agent's load changed: refresh the free index; more room makes them worth a look at the next Assign.</summary>
    private void AgentLoadChanged(AgentState agent, bool gainedRoom)
    {
        agent.Snapshot = null;
        Touched(agent, gainedRoom);
    }

    private void Touched(AgentState agent, bool gainedRoom = true)
    {
        var free = agent.IsFree;
        if (free != agent.InFreeIndex)
        {
            foreach (var (index, level) in agent.SkillRefs)
            {
                var set = index.Free[level];
                if (free ? set.Add(agent) : set.Remove(agent))
                {
                    index.FreeCount += free ? 1 : -1;
                    if (set.Count == 0)
                    {
                        set.Clear(); // resets the high-water mark that enumeration walks
                    }
                }
            }
            agent.InFreeIndex = free;
        }
        if (free && gainedRoom)
        {
            MarkDirty(agent);
        }
    }

    private void MarkDirty(AgentState agent)
    {
        if (!agent.Dirty)
        {
            agent.Dirty = true;
            _dirtyAgents.Add(agent);
        }
    }

    private void Unindex(AgentState agent)
    {
        foreach (var (index, level) in agent.SkillRefs)
        {
            index.Agents.Remove(agent);
            if (index.Free[level].Remove(agent))
            {
                index.FreeCount--;
            }
        }
        agent.InFreeIndex = false;
    }

    private SkillIndex Skill(string skill)
    {
        if (!_skills.TryGetValue(skill, out var index))
        {
            _skills[skill] = index = new SkillIndex();
        }
        return index;
    }

    private SortedSet<Entry> Queue(string queue)
    {
        if (!_queues.TryGetValue(queue, out var set))
        {
            _queues[queue] = set = new SortedSet<Entry>(ByPriority);
        }
        return set;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes < 1 ? $"{Math.Max(0, (int)span.TotalSeconds)} s"
        : span.TotalHours < 1 ? $"{(int)Math.Round(span.TotalMinutes)} min"
        : span.TotalDays < 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} h")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0.#} d");

    private sealed class Entry(WaitingItem item, long key, long seq)
    {
        public WaitingItem Item { get; set; } = item;

        public HandoffRequest Request => Item.Request;

        /// <summary><c>basePriority * AgingStep - enqueuedAt</c> in ticks: larger is served first, at any instant.</summary>
        public long Key { get; } = key;

        public long Seq { get; } = seq;

        public long EnqueuedTicks { get; } = item.Request.EnqueuedAt.UtcTicks;

        /// <summary>The proficiency the item currently requires (1 once relaxed).</summary>
        public int Bucket { get; set; }

        public bool Relaxed { get; set; }

        public RoutedItemState State { get; set; }

        public AgentState? Agent { get; set; }

        public DateTimeOffset Since { get; set; }
    }

    private sealed class SkillIndex
    {
        /// <summary>Waiting items by required proficiency (index 1-5).</summary>
        public SortedSet<Entry>?[] Buckets { get; } = new SortedSet<Entry>?[MaxProficiency + 1];

        public HashSet<AgentState> Agents { get; } = [];

        /// <summary>Available agents below their largest channel capacity, by their proficiency in this skill (index 1-5).</summary>
        public HashSet<AgentState>[] Free { get; } = [.. Enumerable.Range(0, MaxProficiency + 1).Select(_ => new HashSet<AgentState>())];

        public int FreeCount { get; set; }

        public SortedSet<Entry> Bucket(int level) => Buckets[level] ??= new SortedSet<Entry>(ByPriority);
    }

    private sealed class AgentState(AgentId id)
    {
        public AgentId Id { get; } = id;

        public string Name { get; set; } = "";

        public Dictionary<string, int> Skills { get; set; } = [];

        public Dictionary<string, int> Capacity { get; set; } = [];

        /// <summary>The agent's skills resolved to their indexes, with proficiency.</summary>
        public (SkillIndex Index, int Level)[] SkillRefs { get; set; } = [];

        public AgentSkill[] SkillList { get; set; } = [];

        /// <summary>Proficiency in the fallback skill; 0 when they do not have it.</summary>
        public int FallbackLevel { get; set; }

        /// <summary>True when only <c>*</c> is configured: the same capacity on every channel.</summary>
        public bool UniformCapacity { get; set; }

        public int DefaultCapacity { get; set; }

        public int MaxCapacity { get; set; }

        public AgentPresence Presence { get; set; }

        public WorkingHours? Hours { get; set; }

        public TimeZoneInfo? Zone { get; set; }

        public bool OnShift { get; set; }

        public DateTimeOffset ShiftFrom { get; set; }

        public DateTimeOffset ShiftUntil { get; set; }

        public DateTimeOffset WatchedFor { get; set; }

        public DateTimeOffset LastAssignedAt { get; set; }

        /// <summary>Conversations the engine does not track (from <see cref="RoutableAgent.ActiveConversations"/>).</summary>
        public int Untracked { get; set; }

        public HashSet<Entry> Offered { get; } = [];

        public HashSet<Entry> Accepted { get; } = [];

        public int Active => Untracked + Offered.Count + Accepted.Count;

        public bool IsFree => Presence == AgentPresence.Available && Active < MaxCapacity;

        public bool InFreeIndex { get; set; }

        /// <summary>In the engine's dirty list: worth a look at the next Assign.</summary>
        public bool Dirty { get; set; }

        public int Stamp { get; set; }

        public AgentAvailability? Snapshot { get; set; }

        private string? _snapshotChannel;

        public int CapacityFor(string channelId) =>
            UniformCapacity ? DefaultCapacity : Capacity.TryGetValue(channelId, out var c) ? c : DefaultCapacity;

        public AgentAvailability Availability(string channelId, DateTimeOffset? lastServedCustomerAt)
        {
            if (Snapshot is null || !string.Equals(_snapshotChannel, channelId, StringComparison.OrdinalIgnoreCase))
            {
                Snapshot = new AgentAvailability(Id, Name, SkillList,
                    Presence, Active, CapacityFor(channelId), LastAssignedAt, null);
                _snapshotChannel = channelId;
            }
            return lastServedCustomerAt is null ? Snapshot : Snapshot with { LastServedCustomerAt = lastServedCustomerAt };
        }
    }
}
