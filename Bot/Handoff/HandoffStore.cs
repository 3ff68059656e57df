using HandoffBot.Hosting.Access;
using HandoffBot.Storage;

namespace HandoffBot.Handoff;

/// <summary>An active handoff's id and version; <see cref="Changed"/> is its record when it changed since the caller last saw it.</summary>
public readonly record struct ActiveHandoff(string Id, long Version, HandoffRecord? Changed);

/// <summary>
/// Handoffs with optimistic concurrency: every change is a transition applied to the stored version and written
/// with one version-checked write, together with its audit line, in one transaction of the storage provider. Accept is therefore atomic:
/// of many agents accepting at once exactly one wins and the others learn who did.
/// </summary>
public interface IHandoffStore
{
    /// <summary>Stores a newly opened handoff. Fails with <see cref="HandoffError.Conflict"/> when the customer already has an active one.</summary>
    Task<Transition> CreateAsync(Transition opened, HandoffActor actor, CancellationToken cancellationToken);

    Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>The handoff without its packet (the small part of the stored JSON), or null.</summary>
    Task<HandoffRecord?> GetWithoutPacketAsync(string id, CancellationToken cancellationToken);

    /// <summary>The customer's most recent handoff (active or not), or null.</summary>
    Task<HandoffRecord?> GetLatestForCustomerAsync(string customerKey, CancellationToken cancellationToken);

    Task<IReadOnlyList<HandoffRecord>> ListActiveAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every active handoff without its packet (<see cref="HandoffRecord.Packet"/> null): the view of restarts and
    /// presence changes, a small part of the stored JSON. Load a record with <see cref="GetAsync"/> to see its packet.
    /// </summary>
    Task<IReadOnlyList<HandoffRecord>> ListActiveWithoutPacketsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every active handoff's id and version, with its record (without packet) only where the version differs from
    /// <paramref name="known"/> (or the handoff is not in it): the routing owner's periodic look at the store, which
    /// then reads only what changed since its last look. Every write raises a handoff's version, so an unchanged version
    /// is an unchanged record. This default reads every record.
    /// </summary>
    async Task<IReadOnlyList<ActiveHandoff>> ListActiveChangedAsync(IReadOnlyDictionary<string, long> known, CancellationToken cancellationToken) =>
        [.. (await ListActiveWithoutPacketsAsync(cancellationToken)).Select(h => new ActiveHandoff(h.Id, h.Version, h))];

    /// <summary>
    /// What the once-a-second sweep has to look at, without packets: waiting handoffs, handoffs not announced to the
    /// hub yet, and offers made at or before <paramref name="offeredBy"/>. Indexed: it costs what it returns, not the
    /// number of active handoffs (offers still within their time and conversations with agents are not read).
    /// </summary>
    Task<IReadOnlyList<HandoffRecord>> ListForSweepAsync(DateTimeOffset offeredBy, CancellationToken cancellationToken);

    /// <summary>Handoffs no longer active whose last change was at or after <paramref name="since"/>, without packets, oldest first (the restore of handling times and last agents).</summary>
    Task<IReadOnlyList<HandoffRecord>> ListEndedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The active handoff worked in this hub conversation (a Teams thread), or null.</summary>
    Task<HandoffRecord?> FindActiveByHubConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="transition"/> to the current version and stores the result if nobody changed it
    /// meanwhile; on a conflict re-reads and applies it again, so the transition always sees the latest state.
    /// </summary>
    Task<Transition> TryTransitionAsync(string id, Func<HandoffRecord, Transition> transition, HandoffActor actor, CancellationToken cancellationToken) =>
        TryTransitionAsync(id, transition, actor, null, cancellationToken);

    /// <summary>
    /// As above; <paramref name="consequences"/> makes, from the stored result, the records committed together with the
    /// transition (its outbox message): both are stored or neither, so a crash cannot leave an offer no agent was told of.
    /// Not called when the transition does not happen.
    /// </summary>
    Task<Transition> TryTransitionAsync(string id, Func<HandoffRecord, Transition> transition, HandoffActor actor, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken);

    /// <summary>
    /// A routing owner's decision (an offer, an offer's expiry, a give-up) made with its engine of ownership term
    /// <paramref name="term"/> (<see cref="Routing.IRoutingOwnership.Term"/>): as <see cref="TryTransitionAsync(string, Func{HandoffRecord, Transition}, HandoffActor, Func{HandoffRecord, IReadOnlyList{ITurnRecord}}?, CancellationToken)"/>
    /// by the system, and stored only while that term is still the current one; otherwise
    /// <see cref="HandoffChanges.NotRoutingOwner"/> and nothing is written. With one process there is no other owner:
    /// the default does not check the term.
    /// </summary>
    Task<Transition> TryOwnerTransitionAsync(string id, long term, Func<HandoffRecord, Transition> transition, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken) =>
        TryTransitionAsync(id, transition, HandoffActor.System, consequences, cancellationToken);

    /// <summary>Changes data that is not the status (hub thread, card id) under the same version check.</summary>
    Task<HandoffRecord?> UpdateAsync(string id, Func<HandoffRecord, HandoffRecord> change, CancellationToken cancellationToken) =>
        UpdateAsync(id, change, null, cancellationToken);

    /// <summary>As above, with <paramref name="consequences"/> (made from the stored result) in the same commit.</summary>
    Task<HandoffRecord?> UpdateAsync(string id, Func<HandoffRecord, HandoffRecord> change, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken);

    Task<IReadOnlyList<HandoffAuditEntry>> ReadAuditAsync(string handoffId, CancellationToken cancellationToken);
}

/// <summary>
/// A handoff opened in a customer's turn (<c>Bot -> Queued</c>, or straight to Unassigned), with its audit line: a
/// record of that turn's commit. If the customer already has an active handoff the commit fails with a state conflict.
/// </summary>
public sealed record HandoffOpened(HandoffRecord Record, HandoffAuditEntry Audit) : ITurnRecord
{
    /// <summary>The record (at version 1) and audit line of a successful opening transition.</summary>
    public static HandoffOpened From(Transition opened, HandoffActor actor)
    {
        var record = (opened.Value ?? throw new ArgumentException("Only a successful transition can be stored.", nameof(opened))) with { Version = 1 };
        return new HandoffOpened(record, new HandoffAuditEntry(record.Id, record.UpdatedAt, actor, opened.Action, HandoffStatus.Bot, record.Status, opened.Reason));
    }
}

/// <summary>
/// A transition made in a customer's turn (their cancel or end), stored in that turn's commit with its audit line: the
/// write checks <see cref="ExpectedVersion"/>, so if an agent changed the handoff meanwhile the whole turn is not stored
/// and runs again on the new state.
/// </summary>
public sealed record HandoffTransitionRecord(long ExpectedVersion, HandoffRecord Next, HandoffAuditEntry Audit) : ITurnRecord;

/// <summary>An audit line that moves nothing (From = To), such as an agent's use of a co-pilot suggestion, in a commit.</summary>
public sealed record HandoffAuditRecord(HandoffAuditEntry Audit) : ITurnRecord;

public static class HandoffStoreExtensions
{
    /// <summary>Atomic accept: exactly one of many concurrent claims succeeds; the others get <see cref="HandoffError.AlreadyAccepted"/> naming the winner.</summary>
    public static Task<Transition> TryClaimAsync(this IHandoffStore store, string id, string agentId, string agentName, DateTimeOffset now, CancellationToken cancellationToken) =>
        store.TryTransitionAsync(id, h => h.Accept(agentId, agentName, now), HandoffActor.Agent(agentId, agentName), cancellationToken);
}

/// <summary>
/// A store's change of one handoff, decided before anything is written (the same rules for every provider): the next
/// version, its audit line, or the answer to give without writing. The provider writes <see cref="Stored"/> only if
/// the row is still at <see cref="ExpectedVersion"/>, else answers <see cref="HandoffChanges.Conflict"/>.
/// </summary>
public sealed record HandoffChange(Transition Result, HandoffRecord? Stored, HandoffAuditEntry? Audit, long ExpectedVersion);

public static class HandoffChanges
{
    /// <summary>The answer when the version-checked write found the row changed meanwhile.</summary>
    public static Transition Conflict { get; } = new(null, new HandoffError(HandoffError.Conflict, "The handoff kept changing; try again."), "write", "conflict");

    /// <summary>The answer to a routing decision whose owner's term has ended (another instance owns routing now).</summary>
    public static Transition NotRoutingOwner { get; } = new(null, new HandoffError(HandoffError.NotRoutingOwner,
        "Another instance took routing ownership; this decision of an earlier owner was not stored."), "write", "not the routing owner");

    /// <summary>Applies <paramref name="transition"/> to the stored <paramref name="current"/> (null: not found).</summary>
    public static HandoffChange Transition(string id, HandoffRecord? current, Func<HandoffRecord, Transition> transition, HandoffActor actor)
    {
        if (current is null)
        {
            return new HandoffChange(new Transition(null, new HandoffError(HandoffError.NotFound, $"There is no handoff '{id}'."), "find", "not found"), null, null, 0);
        }
        var result = transition(current);
        if (result.Value is not { } next)
        {
            return new HandoffChange(result, null, null, current.Version);
        }
        var stored = next with { Version = current.Version + 1 };
        return new HandoffChange(result with { Value = stored }, stored,
            new HandoffAuditEntry(id, next.UpdatedAt, actor, result.Action, current.Status, next.Status, result.Reason), current.Version);
    }

    /// <summary>A change that keeps the status (the hub thread, a patched packet); null when there is no such handoff.</summary>
    public static HandoffRecord? Update(HandoffRecord? current, Func<HandoffRecord, HandoffRecord> change)
    {
        if (current is null)
        {
            return null;
        }
        var changed = change(current);
        return changed.Status != current.Status
            ? throw new InvalidOperationException("A status change must go through a transition.")
            : changed with { Version = current.Version + 1 };
    }
}
