using HandoffBot.Protocol;

namespace HandoffBot.Routing;

/// <summary>An agent's identity (their id in the hub: Teams AAD object id, console user id, ...).</summary>
public readonly record struct AgentId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>Presence as agents set it (<c>available</c> / <c>away</c> commands, console toggle).</summary>
public enum AgentPresence
{
    Offline = 0,
    Available = 1,
    Away = 2,
}

/// <summary>A skill and how good the agent is at it, 1 (learning) to 5 (expert).</summary>
public sealed record AgentSkill(string Skill, int Proficiency);

/// <summary>A handoff waiting for (or offered to) an agent: what the router needs to choose one.</summary>
public sealed record HandoffRequest(
    string HandoffId,
    string Queue,
    string Skill,
    int Priority,
    DateTimeOffset EnqueuedAt,
    string CustomerKey,
    string CustomerChannelId,
    IReadOnlySet<AgentId> Declined);

/// <summary>An agent as the router sees them at the moment of a decision.</summary>
public sealed record AgentAvailability(
    AgentId Id,
    string Name,
    IReadOnlyList<AgentSkill> Skills,
    AgentPresence Presence,
    int ActiveConversations,
    int Capacity,
    DateTimeOffset LastAssignedAt,
    DateTimeOffset? LastServedCustomerAt);

/// <summary>
/// A pluggable assignment decision, chosen by name in configuration (<c>LeastBusy</c>, <c>RoundRobin</c>,
/// <c>LongestIdle</c>). Pure: no I/O. The candidates are already online, within capacity and qualified.
/// </summary>
public interface IRoutingPolicy
{
    string Name { get; }

    AgentId? Pick(HandoffRequest request, IReadOnlyList<AgentAvailability> candidates);
}

/// <summary>Where an agent works: the hub conversation their messages come from and go to.</summary>
public sealed record AgentAddress(ConversationReference Reference);

/// <summary>A waiting handoff as the routing engine holds it.</summary>
/// <param name="RequiredProficiency">Minimum proficiency in <see cref="HandoffRequest.Skill"/> (relaxed with waiting).</param>
public sealed record WaitingItem(HandoffRequest Request, int RequiredProficiency = 1);

/// <summary>An agent as the routing engine holds it: profile plus live load.</summary>
public sealed record RoutableAgent(
    AgentId Id,
    string Name,
    IReadOnlyList<AgentSkill> Skills,
    IReadOnlyDictionary<string, int> CapacityPerChannel,
    AgentPresence Presence,
    WorkingHours? Hours,
    int ActiveConversations,
    DateTimeOffset LastAssignedAt);

/// <summary>Weekly working hours in one time zone; null on an agent means always on shift.</summary>
public sealed record WorkingHours(string TimeZone, TimeOnly Start, TimeOnly End, IReadOnlyList<DayOfWeek> Days);

/// <summary>The engine's proposal: offer this waiting handoff to this agent.</summary>
public sealed record Assignment(string HandoffId, AgentId Agent, string Policy, string Reason);

/// <summary>An honest wait estimate: null <see cref="Estimate"/> with a reason when there is too little data.</summary>
public sealed record WaitEstimate(int Position, TimeSpan? Estimate, int SampleSize, string Explanation);

/// <summary>
/// The in-memory routing engine: waiting items per skill ordered by priority plus aging, agents indexed by skill,
/// a named policy choosing among qualified, online agents within capacity. No I/O: the handoff coordinator feeds it
/// events and persists the results. Thread-safe.
/// </summary>
public interface IRoutingEngine
{
    void UpsertAgent(RoutableAgent agent);

    void RemoveAgent(AgentId agent);

    void AddWaiting(WaitingItem item);

    /// <summary>Removes a waiting item (accepted, cancelled, abandoned). True if it was waiting.</summary>
    bool RemoveWaiting(string handoffId);

    /// <summary>Proposes assignments for waiting items at <paramref name="now"/>, best first; each item and each unit of agent capacity at most once.</summary>
    IReadOnlyList<Assignment> Assign(DateTimeOffset now, int max = int.MaxValue);

    /// <summary>Where a waiting item stands and how long it will honestly wait.</summary>
    WaitEstimate? Estimate(string handoffId, DateTimeOffset now);

    /// <summary>Records how long an agent took with a handoff of <paramref name="queue"/> (for wait estimates).</summary>
    void RecordHandlingTime(string queue, TimeSpan duration, DateTimeOffset at);

    /// <summary>True when an agent qualified for <paramref name="skill"/> on <paramref name="channelId"/> is online (or on shift within <paramref name="within"/>).</summary>
    bool HasQualifiedAgent(string skill, string channelId, DateTimeOffset now, TimeSpan within);

    /// <summary>The waiting items of a queue (all queues when null), in the order they will be served.</summary>
    IReadOnlyList<(WaitingItem Item, TimeSpan Waited)> Waiting(string? queue, DateTimeOffset now);
}
