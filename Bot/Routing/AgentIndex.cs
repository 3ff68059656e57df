namespace HandoffBot.Routing;

/// <summary>
/// The agents: profiles resolved to per-skill indexes, capacity per channel, presence, and the per-skill sets of
/// <em>free</em> agents (available, below their largest capacity) by proficiency. Agents who gained room since the
/// last Assign are kept in a dirty list (a list with a flag on the agent: HashSet enumeration costs its high-water
/// mark, not its count). Not thread-safe: the facade holds the lock.
/// </summary>
internal sealed class AgentIndex(string? fallbackSkill, string defaultLanguage = "en")
{
    private readonly Dictionary<AgentId, AgentState> _agents = [];
    private readonly Dictionary<string, int> _speakers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SkillIndex> _skills = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<AgentState> _dirty = [];
    private int _stamp;

    public string? FallbackSkill { get; } = fallbackSkill;

    public ShiftWatch Shifts { get; } = new();

    public IReadOnlyCollection<AgentState> All => _agents.Values;

    /// <summary>Agents who gained room or came back since the last Assign (the Assign loop compacts it).</summary>
    public List<AgentState> Dirty => _dirty;

    /// <summary>A fresh mark for "already seen in this pass" (<see cref="AgentState.Stamp"/>).</summary>
    public int NextStamp() => ++_stamp;

    public bool TryGet(AgentId id, out AgentState agent) => _agents.TryGetValue(id, out agent!);

    public bool Contains(AgentState agent) => _agents.TryGetValue(agent.Id, out var known) && known == agent;

    public bool TryGetSkill(string skill, out SkillIndex index) => _skills.TryGetValue(skill, out index!);

    public SkillIndex Skill(string skill)
    {
        if (!_skills.TryGetValue(skill, out var index))
        {
            _skills[skill] = index = new SkillIndex();
        }
        return index;
    }

    /// <summary>Adds or re-profiles an agent (their live load is kept) and returns them, re-indexed.</summary>
    public AgentState Upsert(RoutableAgent agent, TimeZoneInfo? zone)
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
            .ToDictionary(g => g.Key, g => Math.Clamp(g.Max(s => s.Proficiency), 1, RoutingOrder.MaxProficiency), StringComparer.OrdinalIgnoreCase);
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
        state.FallbackLevel = FallbackSkill is not null && state.Skills.TryGetValue(FallbackSkill, out var level) ? level : 0;
        state.SkillList = [.. state.Skills.Select(kv => new AgentSkill(kv.Key, kv.Value))];
        state.Languages = AgentLanguages.Of(state.Skills.Keys, defaultLanguage);
        foreach (var language in state.Languages)
        {
            _speakers[language] = _speakers.GetValueOrDefault(language) + 1;
        }
        foreach (var (index, _) in state.SkillRefs)
        {
            index.Agents.Add(state);
        }
        Touched(state);
        return state;
    }

    /// <summary>Drops the agent from every index (they are dropped from the dirty list at the next Assign).</summary>
    public bool Remove(AgentId id, out AgentState agent)
    {
        if (!_agents.Remove(id, out agent!))
        {
            return false;
        }
        agent.Presence = AgentPresence.Offline;
        Unindex(agent);
        return true;
    }

    public void SetPresence(AgentState agent, AgentPresence presence)
    {
        agent.Presence = presence;
        agent.Snapshot = null;
        Touched(agent);
    }

    /// <summary>The agent's load changed: refresh the free index; more room makes them worth a look at the next Assign.</summary>
    public void LoadChanged(AgentState agent, bool gainedRoom)
    {
        agent.Snapshot = null;
        Touched(agent, gainedRoom);
    }

    public void MarkDirty(AgentState agent)
    {
        if (!agent.Dirty)
        {
            agent.Dirty = true;
            _dirty.Add(agent);
        }
    }

    /// <summary>True when some agent on the roster (whatever their presence) speaks <paramref name="language"/>.</summary>
    public bool AnySpeaks(string language) => _speakers.GetValueOrDefault(language) > 0;

    /// <summary>Qualified for the entry as it stands (its required proficiency, or the fallback skill once relaxed).</summary>
    public bool Qualifies(AgentState agent, Entry entry) =>
        (agent.Skills.TryGetValue(entry.Request.Skill, out var proficiency) && proficiency >= entry.Bucket)
        || (entry.Relaxed && FallbackSkill is not null && agent.Skills.ContainsKey(FallbackSkill));

    /// <summary>False when no agent with room is qualified for the entry (then it need not be examined at the next Assign).</summary>
    public bool MayHaveFreeAgent(Entry entry)
    {
        if (_skills.TryGetValue(entry.Request.Skill, out var index))
        {
            for (var level = entry.Bucket; level <= RoutingOrder.MaxProficiency; level++)
            {
                if (index.Free[level].Count > 0)
                {
                    return true;
                }
            }
        }
        return entry.Relaxed && FallbackSkill is not null && _skills.TryGetValue(FallbackSkill, out var fallback) && fallback.FreeCount > 0;
    }

    /// <summary>True when an available agent of <paramref name="skill"/> with capacity on the channel is on shift by <paramref name="horizon"/>.</summary>
    public bool AnyOnlineSoon(string skill, string channelId, DateTimeOffset now, DateTimeOffset horizon)
    {
        if (!_skills.TryGetValue(skill, out var index))
        {
            return false;
        }
        foreach (var agent in index.Agents)
        {
            if (agent.Presence == AgentPresence.Available && agent.CapacityFor(channelId) > 0 && Shifts.OnShiftBy(agent, now, horizon))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Forgets every agent (the skill indexes are emptied too, so the queues must be cleared with them).</summary>
    public void Clear()
    {
        _agents.Clear();
        _speakers.Clear();
        _skills.Clear();
        _dirty.Clear();
        Shifts.Clear();
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

    private void Unindex(AgentState agent)
    {
        foreach (var language in agent.Languages)
        {
            if (--_speakers[language] == 0)
            {
                _speakers.Remove(language);
            }
        }
        agent.Languages = [];
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
}
