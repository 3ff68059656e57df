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
