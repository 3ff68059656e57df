using System.Globalization;

namespace HandoffBot.Routing;

/// <summary>
/// The engine's mutable records, shared by its seams (queues, agent index, estimates, matching) and guarded by the
/// facade's one lock. A <see cref="SkillIndex"/> joins both sides of one skill, so a decision reaches the waiting items
/// and the free agents of a skill through one reference.
/// </summary>
internal static class RoutingOrder
{
    public const int MaxProficiency = 5;

    /// <summary>Served first: larger time-invariant key, then earlier arrival in the engine.</summary>
    public static readonly Comparer<Entry> ByPriority = Comparer<Entry>.Create(static (a, b) =>
    {
        var byKey = b.Key.CompareTo(a.Key);
        return byKey != 0 ? byKey : a.Seq.CompareTo(b.Seq);
    });

    public static readonly Comparer<Entry> ByEnqueued = Comparer<Entry>.Create(static (a, b) =>
    {
        var byTime = a.EnqueuedTicks.CompareTo(b.EnqueuedTicks);
        return byTime != 0 ? byTime : a.Seq.CompareTo(b.Seq);
    });

    public static string Describe(TimeSpan span) =>
        span.TotalMinutes < 1 ? $"{Math.Max(0, (int)span.TotalSeconds)} s"
        : span.TotalHours < 1 ? $"{(int)Math.Round(span.TotalMinutes)} min"
        : span.TotalDays < 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} h")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0.#} d");
}

/// <summary>A routed item: waiting, offered or accepted.</summary>
internal sealed class Entry(WaitingItem item, long key, long seq)
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

    /// <summary>The language an agent must speak to take the item before it is relaxed; null: any.</summary>
    public string? Language { get; set; }

    /// <summary>True when the agent speaks the entry's language, or it has none or is relaxed.</summary>
    public bool SpokenBy(AgentState agent) => Language is null || Relaxed || agent.Speaks(Language);

    public RoutedItemState State { get; set; }

    public AgentState? Agent { get; set; }

    public DateTimeOffset Since { get; set; }
}

/// <summary>One skill: its waiting items by required proficiency (owned by the queues) and its agents (owned by the agent index).</summary>
internal sealed class SkillIndex
{
    /// <summary>Waiting items by required proficiency (index 1-5).</summary>
    public SortedSet<Entry>?[] Buckets { get; } = new SortedSet<Entry>?[RoutingOrder.MaxProficiency + 1];

    public HashSet<AgentState> Agents { get; } = [];

    /// <summary>Available agents below their largest channel capacity, by their proficiency in this skill (index 1-5).</summary>
    public HashSet<AgentState>[] Free { get; } = [.. Enumerable.Range(0, RoutingOrder.MaxProficiency + 1).Select(_ => new HashSet<AgentState>())];

    public int FreeCount { get; set; }

    public SortedSet<Entry> Bucket(int level) => Buckets[level] ??= new SortedSet<Entry>(RoutingOrder.ByPriority);
}

/// <summary>An agent's profile, presence, shift cache and live load.</summary>
internal sealed class AgentState(AgentId id)
{
    private string? _snapshotChannel;

    public AgentId Id { get; } = id;

    public string Name { get; set; } = "";

    public Dictionary<string, int> Skills { get; set; } = [];

    public Dictionary<string, int> Capacity { get; set; } = [];

    /// <summary>The agent's skills resolved to their indexes, with proficiency.</summary>
    public (SkillIndex Index, int Level)[] SkillRefs { get; set; } = [];

    public AgentSkill[] SkillList { get; set; } = [];

    /// <summary>The primary language subtags the agent speaks (<see cref="AgentLanguages"/>).</summary>
    public string[] Languages { get; set; } = [];

    public bool Speaks(string language) => Array.IndexOf(Languages, language) >= 0;

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

    /// <summary>In the agent index's dirty list: worth a look at the next Assign.</summary>
    public bool Dirty { get; set; }

    public int Stamp { get; set; }

    public AgentAvailability? Snapshot { get; set; }

    public int CapacityFor(string channelId) =>
        UniformCapacity ? DefaultCapacity : Capacity.TryGetValue(channelId, out var c) ? c : DefaultCapacity;

    /// <summary>
    /// Room on the item's channel, not declined, and the item's language until it is relaxed (qualification in the
    /// skill is decided by the caller's index).
    /// </summary>
    public bool CanTake(Entry entry) =>
        Active < CapacityFor(entry.Request.CustomerChannelId)
        && (entry.Request.Declined.Count == 0 || !entry.Request.Declined.Contains(Id))
        && entry.SpokenBy(this);

    public AgentAvailability Availability(string channelId, DateTimeOffset? lastServedCustomerAt)
    {
        if (Snapshot is null || !string.Equals(_snapshotChannel, channelId, StringComparison.OrdinalIgnoreCase))
        {
            Snapshot = new AgentAvailability(Id, Name, SkillList, Presence, Active, CapacityFor(channelId), LastAssignedAt, null);
            _snapshotChannel = channelId;
        }
        return lastServedCustomerAt is null ? Snapshot : Snapshot with { LastServedCustomerAt = lastServedCustomerAt };
    }

    public RoutableAgent ToRoutable() =>
        new(Id, Name, [.. Skills.Select(kv => new AgentSkill(kv.Key, kv.Value))],
            new Dictionary<string, int>(Capacity, StringComparer.OrdinalIgnoreCase), Presence, Hours, Active, LastAssignedAt);
}
