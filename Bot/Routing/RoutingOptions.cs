namespace HandoffBot.Routing;

/// <summary>The <c>Routing</c> section: queues, agents and the rules of assignment (validated at start-up).</summary>
public sealed class RoutingOptions
{
    public const string Section = "Routing";

    /// <summary>The assignment policy by name: <c>LeastBusy</c> (default), <c>RoundRobin</c>, <c>LongestIdle</c>.</summary>
    public string Policy { get; set; } = "LeastBusy";

    /// <summary>Waiting this long raises an item's effective priority by one (so nothing starves).</summary>
    public TimeSpan AgingStep { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>After this wait the skill requirement is relaxed (proficiency 1, or the fallback skill).</summary>
    public TimeSpan RelaxSkillAfter { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Agents with this skill (any proficiency) qualify for any relaxed item; empty: no fallback skill.</summary>
    public string? FallbackSkill { get; set; } = "general";

    /// <summary>
    /// The language of agents who list no <c>language-</c> skill (<see cref="AgentLanguages"/>). A handoff in a
    /// language some agent on the roster speaks waits for such an agent until <see cref="RelaxSkillAfter"/>.
    /// </summary>
    public string DefaultLanguage { get; set; } = "en";

    /// <summary>The agent who served this customer within this window is preferred among the candidates.</summary>
    public TimeSpan PreferLastAgentWithin { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long an offer waits for Accept before it goes to the next agent (enforced by the coordinator).</summary>
    public TimeSpan OfferTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Before promising a human, a qualified agent must be available now or on shift within this wait.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// With several instances on one database (PostgreSQL): how often each instance checks, or tries to take, routing
    /// ownership, and compares its routing engine with the store. An owner that dies is replaced within about this
    /// long once the database has seen its connection close. Unused on SQLite (one process, always the owner).
    /// </summary>
    public TimeSpan OwnerCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Handling times older than this are not used for wait estimates.</summary>
    public TimeSpan EstimateWindow { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Below this many recent handling times the estimate is withheld ("not enough recent data").</summary>
    public int EstimateMinSamples { get; set; } = 3;

    /// <summary>At most this many recent handling times per queue are kept.</summary>
    public int EstimateMaxSamples { get; set; } = 50;

    /// <summary>Queue name -> skill and priority (added to the handoff's own priority).</summary>
    public Dictionary<string, RoutingQueueOptions> Queues { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The agent roster, seeded into the <c>agents</c> table at start-up.</summary>
    public List<RoutingAgentOptions> Agents { get; set; } = [];
}

public sealed class RoutingQueueOptions
{
    public string Skill { get; set; } = "";

    public int Priority { get; set; }

    /// <summary>The assignment policy of this queue by name; empty: <see cref="RoutingOptions.Policy"/>.</summary>
    public string? Policy { get; set; }
}

public sealed class RoutingAgentOptions
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>The agent's user id in the hub (Teams AAD object id, console or Emulator user id).</summary>
    public string HubUserId { get; set; } = "";

    /// <summary>Skill -> proficiency 1 (learning) to 5 (expert).</summary>
    public Dictionary<string, int> Skills { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Concurrent conversations per channel id; <c>*</c> is the default for other channels.</summary>
    public Dictionary<string, int> CapacityPerChannel { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Null: always on shift.</summary>
    public WorkingHoursOptions? WorkingHours { get; set; }

    /// <summary>Presence when the agent is first seeded (later changes are kept in the database).</summary>
    public AgentPresence Presence { get; set; } = AgentPresence.Available;
}

public sealed class WorkingHoursOptions
{
    /// <summary>IANA time zone id, e.g. <c>Europe/London</c>.</summary>
    public string TimeZone { get; set; } = "UTC";

    public TimeOnly Start { get; set; } = new(9, 0);

    /// <summary>At or before <see cref="Start"/>: an overnight shift ending the next day.</summary>
    public TimeOnly End { get; set; } = new(17, 0);

    /// <summary>Days on which a shift starts.</summary>
    public List<DayOfWeek> Days { get; set; } = [];
}
