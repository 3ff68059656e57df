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
    int Priority, // the handoff's priority as its rank (Low 0 ... Urgent 3); the queue's configured offset is added to it
    DateTimeOffset EnqueuedAt,
    string CustomerKey,
    string CustomerChannelId,
    IReadOnlySet<AgentId> Declined)
{
    /// <summary>The customer's language (a BCP 47 tag such as <c>de-DE</c>, or <c>de</c>); null: not known.</summary>
    public string? Language { get; init; }
}

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
    /// <summary>
    /// Adds an agent or replaces their profile, presence and working hours. <see cref="RoutableAgent.ActiveConversations"/>
    /// counts only conversations the engine does not track itself (restored without <see cref="RestoreAccepted"/>;
    /// normally 0): the engine adds its own offers and accepted conversations on top.
    /// </summary>
    void UpsertAgent(RoutableAgent agent);

    void RemoveAgent(AgentId agent);

    void AddWaiting(WaitingItem item);

    /// <summary>
    /// Removes a waiting or offered item (cancelled, abandoned, left a message). An offered item gives its agent's
    /// capacity unit back. True if it was waiting or offered; an accepted conversation is not touched (use
    /// <see cref="Complete"/>).
    /// </summary>
    bool RemoveWaiting(string handoffId);

    /// <summary>
    /// Proposes assignments for waiting items at <paramref name="now"/>, best first; each item and each unit of agent
    /// capacity at most once. Every returned item is from then on <em>offered</em>: it is no longer waiting and counts
    /// as one active conversation of its agent until the coordinator reports <see cref="Accept"/>,
    /// <see cref="Decline"/>, <see cref="ExpireOffer"/>, <see cref="RemoveWaiting"/> or the agent leaves
    /// (<see cref="SetPresence"/>).
    /// </summary>
    IReadOnlyList<Assignment> Assign(DateTimeOffset now, int max = int.MaxValue);

    /// <summary>Where a waiting item stands and how long it will honestly wait.</summary>
    WaitEstimate? Estimate(string handoffId, DateTimeOffset now);

    /// <summary>
    /// The estimate of every waiting item by handoff id, in one pass over the queues (the sweep's view): the same
    /// figures as <see cref="Estimate"/>, without walking the queue once per item.
    /// </summary>
    IReadOnlyDictionary<string, WaitEstimate> EstimateWaiting(DateTimeOffset now);

    /// <summary>Records how long an agent took with a handoff of <paramref name="queue"/> (for wait estimates).</summary>
    void RecordHandlingTime(string queue, TimeSpan duration, DateTimeOffset at);

    /// <summary>True when an agent qualified for <paramref name="skill"/> on <paramref name="channelId"/> is online (or on shift within <paramref name="within"/>).</summary>
    bool HasQualifiedAgent(string skill, string channelId, DateTimeOffset now, TimeSpan within);

    /// <summary>The waiting items of a queue (all queues when null), in the order they will be served.</summary>
    IReadOnlyList<(WaitingItem Item, TimeSpan Waited)> Waiting(string? queue, DateTimeOffset now);

    // Offer lifecycle (added by the routing branch; compatible extension of the contract above).

    /// <summary>
    /// <paramref name="agent"/> accepted the item (offered to them, offered to someone else, or still waiting: an agent
    /// may take an item from the hub). The item leaves the queue for good and stays one active conversation of the
    /// accepting agent until <see cref="Complete"/>; the customer is remembered as served by them. False when the item
    /// is unknown, already accepted, or the agent is unknown.
    /// </summary>
    bool Accept(string handoffId, AgentId agent, DateTimeOffset now);

    /// <summary>The offered agent declined: the item waits again (keeping its age) and that agent is excluded from it.</summary>
    bool Decline(string handoffId, DateTimeOffset now);

    /// <summary>The offer timed out (<c>Routing:OfferTimeout</c>): like <see cref="Decline"/>, the item goes to the next agent.</summary>
    bool ExpireOffer(string handoffId, DateTimeOffset now);

    /// <summary>
    /// The accepted conversation ended (or was transferred): the agent's capacity unit is free again and the handling
    /// time (accept to now) is recorded for wait estimates. False when the item is not an accepted conversation.
    /// </summary>
    bool Complete(string handoffId, DateTimeOffset now);

    /// <summary>
    /// Changes an agent's presence. Leaving <see cref="AgentPresence.Available"/> re-queues every item offered to
    /// them (not excluded: they may get it again when back); returns those handoff ids. Accepted conversations stay.
    /// </summary>
    IReadOnlyList<string> SetPresence(AgentId agent, AgentPresence presence, DateTimeOffset now);

    /// <summary>Remembers that <paramref name="agent"/> served <paramref name="customerKey"/> (seeding from storage; <see cref="Accept"/> does it too).</summary>
    void RecordServed(string customerKey, AgentId agent, DateTimeOffset at);

    /// <summary>Registers a conversation accepted before this engine started (restored from storage) so that <see cref="Complete"/> works.</summary>
    void RestoreAccepted(WaitingItem item, AgentId agent, DateTimeOffset acceptedAt);

    /// <summary>
    /// Registers an item that was offered to <paramref name="agent"/> before this engine started (restored from storage):
    /// it stays offered, costs the agent a capacity unit and can be accepted, declined or expire as usual. An agent the
    /// engine does not know (left the roster) does not keep it: the item waits for someone else.
    /// </summary>
    void RestoreOffered(WaitingItem item, AgentId agent, DateTimeOffset offeredAt);

    /// <summary>The estimate a new item would get if it were added now (nothing changes): what the customer is told in their turn.</summary>
    WaitEstimate? Preview(HandoffRequest request, DateTimeOffset now);

    /// <summary>
    /// The estimate <paramref name="item"/> would get if it were added now (nothing changes), with its
    /// <see cref="WaitingItem.RequiredProficiency"/>: equal to the <see cref="Estimate"/> it gets once added.
    /// </summary>
    WaitEstimate? Preview(WaitingItem item, DateTimeOffset now);

    /// <summary>
    /// Empties the engine: agents, waiting / offered / accepted items, handling times and last-served customers. The
    /// engine is a projection of the store; after a reset the coordinator rebuilds it from the facts (at start-up, or
    /// when this instance takes over routing ownership) with <see cref="UpsertAgent"/>, <see cref="AddWaiting"/>,
    /// <see cref="RestoreOffered"/>, <see cref="RestoreAccepted"/>, <see cref="RecordHandlingTime"/> and
    /// <see cref="RecordServed"/>.
    /// </summary>
    void Reset();

    /// <summary>The agent as the engine holds them now (ActiveConversations counts offers and accepted conversations), or null.</summary>
    RoutableAgent? GetAgent(AgentId agent);

    /// <summary>Where an item is: waiting, offered (to whom), accepted (by whom); null when unknown.</summary>
    RoutedItemStatus? GetStatus(string handoffId);

    /// <summary>The handoff ids of every item the engine holds (waiting, offered or accepted), to compare with the store.</summary>
    IReadOnlyList<string> RoutedIds();
}

/// <summary>Where a handoff is in the routing engine.</summary>
public enum RoutedItemState
{
    Waiting = 0,
    Offered = 1,
    Accepted = 2,
}

/// <summary>An item's routing state; <paramref name="Agent"/> is set when offered or accepted.</summary>
public sealed record RoutedItemStatus(WaitingItem Item, RoutedItemState State, AgentId? Agent, DateTimeOffset? Since);
