using HandoffBot.Routing;

namespace HandoffBot.Tests.Routing;

/// <summary>Builds engines, agents and items for routing tests on fixed instants (no clock, no sleeps).</summary>
internal static class RoutingFixture
{
    /// <summary>Tuesday 24 November 2026, 09:00 UTC.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    public static RoutingOptions Options(Action<RoutingOptions>? configure = null)
    {
        var options = new RoutingOptions
        {
            AgingStep = TimeSpan.FromMinutes(1),
            RelaxSkillAfter = TimeSpan.FromMinutes(3),
            FallbackSkill = "general",
            PreferLastAgentWithin = TimeSpan.FromHours(24),
            EstimateWindow = TimeSpan.FromHours(4),
            EstimateMinSamples = 3,
            EstimateMaxSamples = 50,
        };
        options.Queues["general"] = new RoutingQueueOptions { Skill = "general", Priority = 0 };
        options.Queues["billing"] = new RoutingQueueOptions { Skill = "billing", Priority = 1 };
        options.Queues["legal"] = new RoutingQueueOptions { Skill = "legal", Priority = 2 };
        options.Queues["fraud"] = new RoutingQueueOptions { Skill = "fraud", Priority = 3 };
        configure?.Invoke(options);
        return options;
    }

    public static RoutingEngine Engine(string policy = "LeastBusy", Action<RoutingOptions>? configure = null) =>
        new(Options(configure), Policy(policy));

    public static IRoutingPolicy Policy(string name) => name switch
    {
        "LeastBusy" => new LeastBusyPolicy(),
        "RoundRobin" => new RoundRobinPolicy(),
        "LongestIdle" => new LongestIdlePolicy(),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    public static RoutableAgent Agent(
        string id,
        string skills = "general:3",
        int capacity = 2,
        AgentPresence presence = AgentPresence.Available,
        WorkingHours? hours = null,
        int active = 0,
        DateTimeOffset lastAssignedAt = default,
        Dictionary<string, int>? perChannel = null) =>
        new(new AgentId(id), id, ParseSkills(skills), perChannel ?? new Dictionary<string, int> { ["*"] = capacity },
            presence, hours, active, lastAssignedAt);

    public static WaitingItem Item(
        string id,
        string queue = "general",
        int priority = 1,
        DateTimeOffset? enqueuedAt = null,
        string? customer = null,
        string channel = "webchat",
        int requiredProficiency = 1,
        string? skill = null,
        string? language = null) =>
        new(new HandoffRequest(id, queue, skill ?? queue, priority, enqueuedAt ?? T0, customer ?? $"webchat/{id}", channel,
            new HashSet<AgentId>()) { Language = language }, requiredProficiency);

    public static AgentId Id(string id) => new(id);

    private static List<AgentSkill> ParseSkills(string skills) =>
        [.. skills.Split(',').Select(s => s.Split(':')).Select(p => new AgentSkill(p[0], int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)))];
}
