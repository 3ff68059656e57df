using System.Globalization;

namespace HandoffBot.Routing;

/// <summary>The matcher's choice for one item: the agent, the policy of the item's queue and why.</summary>
internal readonly record struct MatchChoice(AgentState Agent, IRoutingPolicy Policy, string Reason);

/// <summary>
/// Matching: which dirty item or dirty agent can make a match now (best item first), the candidates for an item
/// (free, on shift, qualified, room on the customer's channel, not declined), the last-agent preference and the
/// policy of the item's queue (<c>Routing:Queues:&lt;name&gt;:Policy</c>, else <c>Routing:Policy</c>). Not thread-safe:
/// the facade holds the lock.
/// </summary>
internal sealed class AssignmentMatcher(RoutingOptions options, RoutingPolicySet policies, AgentIndex agents, WaitingQueues queues)
{
    private readonly Dictionary<string, (AgentId Agent, DateTimeOffset At)> _lastServed = new(StringComparer.Ordinal);
    private readonly List<AgentAvailability> _candidates = [];
    private int _lastServedPruneAt = 1024;

    /// <summary>
    /// The best item that may have a match: the best dirty item, or a better one that a dirty agent can take. Dirty
    /// agents with nothing to take are dropped from the list. <paramref name="fromAgent"/>: found through an agent.
    /// </summary>
    public Entry? NextItem(DateTimeOffset now, out bool fromAgent)
    {
        var best = queues.Dirty.Count == 0 ? null : queues.Dirty.Min;
        fromAgent = false;
        var dirty = agents.Dirty;
        if (dirty.Count == 0)
        {
            return best;
        }
        var kept = 0;
        for (var i = 0; i < dirty.Count; i++)
        {
            var agent = dirty[i];
            var cut = false;
            var found = agent.IsFree && agents.Shifts.OnShift(agent, now) ? BestItemFor(agent, best, ref cut, queues.RelaxedForFallback) : null;
            if (found is null && !cut)
            {
                agent.Dirty = false; // nothing this agent can take: they wait for the next change
                continue;
            }
            // Kept when the bound cut the search short: an item worse than the bound may still be theirs.
            dirty[kept++] = agent;
            if (found is not null)
            {
                best = found;
                fromAgent = true;
            }
        }
        dirty.RemoveRange(kept, dirty.Count - kept);
        return best;
    }

    /// <summary>Collects the candidates for one item and picks one (the preferred last agent, else the queue's policy); null when nobody can take it.</summary>
    public MatchChoice? Choose(Entry entry, DateTimeOffset now)
    {
        var request = entry.Request;
        var stamp = agents.NextStamp();
        _candidates.Clear();
        var last = _lastServed.TryGetValue(request.CustomerKey, out var served) ? served : default((AgentId Agent, DateTimeOffset At)?);
        if (agents.TryGetSkill(request.Skill, out var index))
        {
            AddCandidates(index, entry.Bucket, entry, now, stamp, last);
        }
        if (entry.Relaxed && agents.FallbackSkill is not null && agents.TryGetSkill(agents.FallbackSkill, out var fallback))
        {
            AddCandidates(fallback, 1, entry, now, stamp, last);
        }
        if (_candidates.Count == 0)
        {
            return null;
        }
        var policy = policies.For(request.Queue);
        AgentId? chosen;
        string reason;
        if (last is { } prior && now - prior.At <= options.PreferLastAgentWithin && _candidates.Exists(c => c.Id == prior.Agent))
        {
            chosen = prior.Agent;
            reason = $"served this customer {RoutingOrder.Describe(now - prior.At)} ago";
        }
        else
        {
            chosen = policy.Pick(request, _candidates);
            reason = policy.Name;
        }
        _candidates.Clear();
        if (chosen is not { } id || !agents.TryGet(id, out var agent) || agent.Stamp != stamp)
        {
            throw new InvalidOperationException($"Routing policy '{policy.Name}' picked an agent who is not a candidate.");
        }
        return new MatchChoice(agent, policy, reason);
    }

    /// <summary>The assignment the coordinator gets for a choice, with the reason in words.</summary>
    public Assignment ToAssignment(Entry entry, MatchChoice choice, DateTimeOffset now)
    {
        var request = entry.Request;
        var waited = now - request.EnqueuedAt;
        var why = string.Create(CultureInfo.InvariantCulture,
            $"{choice.Reason}; effective priority {queues.EffectivePriority(entry, waited):0.##} after {RoutingOrder.Describe(waited)} in {request.Queue}{(entry.Language is { } language && !entry.Relaxed ? $"; speaks {language}" : "")}{(entry.Relaxed ? " (skill requirement relaxed)" : "")}");
        return new Assignment(request.HandoffId, choice.Agent.Id, choice.Policy.Name, why);
    }

    public void RememberServed(string customerKey, AgentId agent, DateTimeOffset at)
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
            var cutoff = at - options.PreferLastAgentWithin;
            foreach (var (key, _) in _lastServed.Where(kv => kv.Value.At < cutoff).ToList())
            {
                _lastServed.Remove(key);
            }
            _lastServedPruneAt = Math.Max(1024, _lastServed.Count * 2);
        }
    }

    public void Clear()
    {
        _lastServed.Clear();
        _candidates.Clear();
        _lastServedPruneAt = 1024;
    }

    /// <summary>Adds the free agents of <paramref name="index"/> with proficiency at least <paramref name="minLevel"/> who can take the entry now.</summary>
    private void AddCandidates(SkillIndex index, int minLevel, Entry entry, DateTimeOffset now, int stamp, (AgentId Agent, DateTimeOffset At)? last)
    {
        var channel = entry.Request.CustomerChannelId;
        for (var level = minLevel; level <= RoutingOrder.MaxProficiency; level++)
        {
            foreach (var agent in index.Free[level])
            {
                if (agent.Stamp == stamp || !agent.CanTake(entry) || !agents.Shifts.OnShift(agent, now))
                {
                    continue;
                }
                agent.Stamp = stamp;
                _candidates.Add(agent.Availability(channel, last is { } l && l.Agent == agent.Id ? l.At : null));
            }
        }
    }

    /// <summary>
    /// The best waiting item this (free, on-shift) agent qualifies for and has room for, better than
    /// <paramref name="bound"/>; <paramref name="cut"/> is set when the bound stopped a search that had not found one.
    /// </summary>
    private static Entry? BestItemFor(AgentState agent, Entry? bound, ref bool cut, SortedSet<Entry> relaxedForFallback)
    {
        Entry? best = null;
        foreach (var (index, proficiency) in agent.SkillRefs)
        {
            for (var level = 1; level <= proficiency; level++)
            {
                var set = index.Buckets[level];
                if (set is { Count: > 0 })
                {
                    best = FirstEligible(set, agent, best ?? bound, ref cut) ?? best;
                }
            }
        }
        if (agent.FallbackLevel > 0 && relaxedForFallback.Count > 0)
        {
            best = FirstEligible(relaxedForFallback, agent, best ?? bound, ref cut) ?? best;
        }
        return best;
    }

    /// <summary>
    /// The first entry of <paramref name="set"/> the agent can take, if it is better than <paramref name="bound"/>;
    /// sets <paramref name="cut"/> when the bound ended the walk before the set did.
    /// </summary>
    private static Entry? FirstEligible(SortedSet<Entry> set, AgentState agent, Entry? bound, ref bool cut)
    {
        var top = set.Min!;
        if (bound is not null && RoutingOrder.ByPriority.Compare(top, bound) >= 0)
        {
            cut = true;
            return null;
        }
        if (agent.CanTake(top))
        {
            return top;
        }
        foreach (var entry in set)
        {
            if (bound is not null && RoutingOrder.ByPriority.Compare(entry, bound) >= 0)
            {
                cut = true;
                return null;
            }
            if (agent.CanTake(entry))
            {
                return entry;
            }
        }
        return null;
    }
}
