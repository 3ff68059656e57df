namespace HandoffBot.Analytics;

/// <summary>p50 and p90 in seconds (nearest rank); null when there is no value in the period.</summary>
public sealed record Percentiles(double? P50, double? P90, long Count);

/// <summary>Average satisfaction (1-5) after a handoff a person handled, and after one no person handled; null without scores.</summary>
public sealed record CsatFigures(double? WithHuman, double? AssistantOnly, long WithHumanResponses, long AssistantOnlyResponses);

/// <summary>Handoffs of one trigger, category or queue: how many, their share of conversations, and how many were abandoned.</summary>
public sealed record Breakdown(string Key, long Handoffs, double Rate, long Abandoned);

/// <summary>Time to escalate: customer messages and seconds from the conversation's first message to the handoff.</summary>
public sealed record EscalationTiming(double? TurnsAverage, Percentiles Turns, Percentiles Seconds);

/// <summary>Co-pilot suggestions used and dismissed by agents in the period.</summary>
public sealed record CopilotUse(long Used, long Dismissed, double? UseRate);

/// <summary>
/// The handoff analytics of one period [From, To). Reach: conversations, handoffs, rates, breakdowns. Resolution:
/// containment, handle time, transfers, reopens. Experience: waiting, abandonment, accept time, CSAT.
/// </summary>
public sealed record AnalyticsSummary(
    DateTimeOffset From,
    DateTimeOffset To,
    long Conversations,
    long Handoffs,
    double? HandoffRate,
    double? ContainmentRate,
    long Contained,
    long Abandoned,
    long Unassigned,
    long Accepted,
    IReadOnlyList<Breakdown> ByTrigger,
    IReadOnlyList<Breakdown> ByCategory,
    IReadOnlyList<Breakdown> ByQueue,
    EscalationTiming TimeToEscalate,
    Percentiles WaitSeconds,
    Percentiles AcceptSeconds,
    Percentiles HandleSeconds,
    long Transfers,
    long TransferredHandoffs,
    long Reopened,
    double? ReopenRate,
    CsatFigures Csat,
    CopilotUse Copilot);
