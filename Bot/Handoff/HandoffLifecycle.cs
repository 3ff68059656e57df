using System.Text.Json.Serialization;
using HandoffBot.Protocol;

namespace HandoffBot.Handoff;

/// <summary>
/// Where a handoff stands. <see cref="Queued"/>, <see cref="Offered"/> and <see cref="WithAgent"/> are active;
/// <see cref="Bot"/> (handed back), <see cref="Cancelled"/> and <see cref="Unassigned"/> are final.
/// </summary>
public enum HandoffStatus
{
    Bot = 0,
    Queued = 1,
    Offered = 2,
    WithAgent = 3,
    Cancelled = 4,
    Unassigned = 5,
}

/// <summary>Who caused a transition, for the audit log.</summary>
public sealed record HandoffActor(HandoffActorKind Kind, string Id, string? Name = null)
{
    public static HandoffActor System { get; } = new(HandoffActorKind.System, "handoffbot");

    public static HandoffActor Customer(string id, string? name = null) => new(HandoffActorKind.Customer, id, name);

    public static HandoffActor Agent(string id, string? name = null) => new(HandoffActorKind.Agent, id, name);
}

/// <summary>Who did something to a handoff. Stored (and shown) by its lower-case name: <c>system</c>, <c>customer</c>, <c>agent</c>.</summary>
public enum HandoffActorKind
{
    System,
    Customer,
    Agent,
}

public static class HandoffActorKinds
{
    /// <summary>The stored, lower-case name.</summary>
    public static string Name(this HandoffActorKind kind) =>
        Enum.IsDefined(kind) ? kind.ToString().ToLowerInvariant() : throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown actor kind");

    /// <summary>Reads a stored name; an unknown one is a corrupt row and fails loudly.</summary>
    public static HandoffActorKind Parse(string name) =>
        Enum.TryParse<HandoffActorKind>(name, ignoreCase: true, out var kind) && Enum.IsDefined(kind)
            ? kind
            : throw new FormatException($"'{name}' is not a handoff actor kind");
}

/// <summary>Why a transition was refused; <see cref="AcceptedBy"/> names the winner when someone else accepted first.</summary>
public sealed record HandoffError(string Code, string Message, string? AcceptedBy = null)
{
    public const string InvalidTransition = "invalid_transition";
    public const string NotOffered = "not_offered_to_you";
    public const string AlreadyAccepted = "already_accepted";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    public const string NotRoutingOwner = "not_routing_owner";
}

/// <summary>The outcome of a transition: the new state, or an error saying why not. Never both.</summary>
public readonly record struct Transition(HandoffRecord? Value, HandoffError? Error, string Action, string Reason)
{
    public bool Succeeded => Value is not null;
}

/// <summary>One audit line: who moved which handoff from where to where, when and why.</summary>
public sealed record HandoffAuditEntry(
    string HandoffId,
    DateTimeOffset At,
    HandoffActor Actor,
    string Action,
    HandoffStatus From,
    HandoffStatus To,
    string Reason);

/// <summary>
/// One handoff of one customer conversation, as an immutable record with a version for optimistic concurrency.
/// The status changes only through the transition methods, each of which returns the next record or an error
/// (the lifecycle fields have internal setters only so the JSON source generator can restore a stored record).
/// </summary>
public sealed record HandoffRecord
{
    public required string Id { get; init; }

    /// <summary><c>{channelId}/conversations/{id}</c> of the customer's conversation.</summary>
    public required string CustomerKey { get; init; }

    public required ConversationReference Customer { get; init; }

    [JsonInclude]
    public HandoffStatus Status { get; internal init; }

    public long Version { get; init; }

    public required string Queue { get; init; }

    public required string Skill { get; init; }

    /// <summary>Stored by name; rows written before 2026-12-02 hold its number, which reads as the same value.</summary>
    public HandoffBot.Escalation.EscalationPriority Priority { get; init; }

    public required string Reason { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the item (re)entered the queue; wait time is measured from the first queueing.</summary>
    public DateTimeOffset EnqueuedAt { get; init; }

    [JsonInclude]
    public DateTimeOffset UpdatedAt { get; internal init; }

    [JsonInclude]
    public string? OfferedTo { get; internal init; }

    [JsonInclude]
    public DateTimeOffset? OfferedAt { get; internal init; }

    [JsonInclude]
    public IReadOnlyList<string> Declined { get; internal init; } = [];

    [JsonInclude]
    public string? AgentId { get; internal init; }

    [JsonInclude]
    public string? AgentName { get; internal init; }

    [JsonInclude]
    public DateTimeOffset? AcceptedAt { get; internal init; }

    [JsonInclude]
    public DateTimeOffset? EndedAt { get; internal init; }

    /// <summary>The hub conversation (Teams thread, Emulator conversation) where the agent works this handoff.</summary>
    public ConversationReference? HubThread { get; init; }

    /// <summary>The id of the card or event the hub shows for this handoff (so the card can be replaced).</summary>
    public string? HubActivityId { get; init; }

    public HandoffPacket? Packet { get; init; }

    /// <summary>The customer's locale when the handoff opened (e.g. <c>de-DE</c>): the language of what is sent outside their turn.</summary>
    public string? Locale { get; init; }

    /// <summary>
    /// The customer's language as the packet states it (the channel's locale or the one detected from their words):
    /// routing waits for an agent who speaks it (<see cref="Routing.AgentLanguages"/>). Kept outside the packet so
    /// the views without the packet (restart, sweep) still route by it.
    /// </summary>
    public string? Language { get; init; }

    public bool IsActive => Status is HandoffStatus.Queued or HandoffStatus.Offered or HandoffStatus.WithAgent;

    public bool IsWaiting => Status is HandoffStatus.Queued or HandoffStatus.Offered;

    /// <summary>Bot -> Queued: a new handoff waiting for an agent.</summary>
    public static Transition Open(HandoffRecord draft, DateTimeOffset now) =>
        Ok(draft with { Status = HandoffStatus.Queued, Version = 0, CreatedAt = now, EnqueuedAt = now, UpdatedAt = now }, "open", draft.Reason);

    /// <summary>Bot -> Unassigned: no qualified agent within the maximum wait; the customer is offered alternatives.</summary>
    public static Transition OpenUnassigned(HandoffRecord draft, DateTimeOffset now, string why) =>
        Ok(draft with { Status = HandoffStatus.Unassigned, Version = 0, CreatedAt = now, EnqueuedAt = now, UpdatedAt = now, EndedAt = now }, "unassigned", why);

    /// <summary>Queued -> Offered to one agent.</summary>
    public Transition Offer(string agentId, DateTimeOffset now, string why) =>
        Status != HandoffStatus.Queued
            ? Invalid("offer", "only a queued handoff can be offered")
            : Ok(this with { Status = HandoffStatus.Offered, OfferedTo = agentId, OfferedAt = now, UpdatedAt = now }, "offer", why);

    /// <summary>Offered -> Queued: the agent said no; the router will not offer it to them again.</summary>
    public Transition Decline(string agentId, DateTimeOffset now) =>
        Status != HandoffStatus.Offered
            ? Invalid("decline", "only an offered handoff can be declined")
            : !string.Equals(OfferedTo, agentId, StringComparison.Ordinal)
                ? Fail("decline", new HandoffError(HandoffError.NotOffered, "This handoff is not offered to you."))
                : Requeue("decline", $"declined by {agentId}", agentId, now);

    /// <summary>Offered -> Queued: nobody accepted within the offer timeout; the next agent gets it.</summary>
    public Transition ExpireOffer(DateTimeOffset now) =>
        Status != HandoffStatus.Offered
            ? Invalid("expire", "only an offered handoff can expire")
            : Requeue("expire", $"offer to {OfferedTo} not accepted in time", OfferedTo, now);

    /// <summary>Offered -> Queued: the agent went away; the offer goes back without counting as a decline.</summary>
    public Transition Withdraw(DateTimeOffset now, string why) =>
        Status != HandoffStatus.Offered
            ? Invalid("withdraw", "only an offered handoff can be withdrawn")
            : Requeue("withdraw", why, null, now);

    /// <summary>Queued or Offered -> WithAgent. Any agent in the hub may accept (the offer is a suggestion).</summary>
    public Transition Accept(string agentId, string agentName, DateTimeOffset now) => Status switch
    {
        HandoffStatus.Queued or HandoffStatus.Offered => Ok(this with
        {
            Status = HandoffStatus.WithAgent,
            AgentId = agentId,
            AgentName = agentName,
            AcceptedAt = now,
            OfferedTo = null,
            OfferedAt = null,
            UpdatedAt = now,
        }, "accept", $"accepted by {agentName}"),
        HandoffStatus.WithAgent => Fail("accept", new HandoffError(HandoffError.AlreadyAccepted, $"Already accepted by {AgentName}.", AgentName)),
        _ => Invalid("accept", "the handoff is no longer waiting"),
    };

    /// <summary>WithAgent -> Queued in another queue: the agent hands the customer on.</summary>
    public Transition Transfer(string queue, string skill, DateTimeOffset now, string why) =>
        Status != HandoffStatus.WithAgent
            ? Invalid("transfer", "only a handoff with an agent can be transferred")
            : Ok(this with
            {
                Status = HandoffStatus.Queued,
                Queue = queue,
                Skill = skill,
                Declined = AgentId is null ? Declined : [.. Declined, AgentId],
                AgentId = null,
                AgentName = null,
                AcceptedAt = null,
                UpdatedAt = now,
            }, "transfer", why);

    /// <summary>WithAgent -> Bot: the agent (or the customer) ended; the customer is back with the assistant.</summary>
    public Transition End(DateTimeOffset now, string why) =>
        Status != HandoffStatus.WithAgent
            ? Invalid("end", "only a handoff with an agent can be ended")
            : Ok(this with { Status = HandoffStatus.Bot, EndedAt = now, UpdatedAt = now }, "end", why);

    /// <summary>Queued or Offered -> Cancelled: the customer changed their mind.</summary>
    public Transition Cancel(DateTimeOffset now, string why) =>
        IsWaiting
            ? Ok(this with { Status = HandoffStatus.Cancelled, OfferedTo = null, OfferedAt = null, EndedAt = now, UpdatedAt = now }, "cancel", why)
            : Invalid("cancel", "only a waiting handoff can be cancelled");

    /// <summary>Queued or Offered -> Unassigned: no qualified agent took it within the maximum wait.</summary>
    public Transition GiveUp(DateTimeOffset now, string why) =>
        IsWaiting
            ? Ok(this with { Status = HandoffStatus.Unassigned, OfferedTo = null, OfferedAt = null, EndedAt = now, UpdatedAt = now }, "unassigned", why)
            : Invalid("unassigned", "only a waiting handoff can be given up");

    private Transition Requeue(string action, string why, string? declinedBy, DateTimeOffset now) => Ok(this with
    {
        Status = HandoffStatus.Queued,
        OfferedTo = null,
        OfferedAt = null,
        Declined = declinedBy is null || Declined.Contains(declinedBy) ? Declined : [.. Declined, declinedBy],
        UpdatedAt = now,
    }, action, why);

    private static Transition Ok(HandoffRecord next, string action, string why) => new(next, null, action, why);

    private Transition Invalid(string action, string why) =>
        Fail(action, new HandoffError(HandoffError.InvalidTransition, $"Cannot {action}: {why} (it is {Status})."));

    private static Transition Fail(string action, HandoffError error) => new(null, error, action, error.Message);
}
