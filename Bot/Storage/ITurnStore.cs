using HandoffBot.Protocol;

namespace HandoffBot.Storage;

/// <summary>A conversation-state write with its optimistic-concurrency check (null expected version: must be new).</summary>
public sealed record StateWrite(string Key, string Json, long? ExpectedVersion);

/// <summary>
/// A fact a feature adds to its turn's commit (an escalation audit entry, a satisfaction score, a handoff transition,
/// an outbox message): plain provider-neutral data. Each storage provider maps every record type to its own writes
/// (SQLite: one <c>ISqliteTurnRecordWriter</c> per type); a record type no writer knows fails the commit before
/// anything is written.
/// </summary>
public interface ITurnRecord;

/// <summary>
/// Everything one turn writes: its transcript entries in order, its state, the inbox item it finishes, and the
/// records features added (<see cref="ITurnRecord"/>).
/// </summary>
public sealed record TurnCommit(IReadOnlyList<Activity> Transcript, StateWrite? State, long? CompletesInboxItem, IReadOnlyList<ITurnRecord> Records)
{
    public bool IsEmpty => Transcript.Count == 0 && State is null && CompletesInboxItem is null && Records.Count == 0;
}

/// <summary>Commits a turn's writes in one transaction: all of them or none.</summary>
public interface ITurnStore
{
    /// <summary>
    /// Writes <paramref name="commit"/> atomically. Throws <see cref="StateConflictException"/> (and writes nothing)
    /// when the state, or a versioned record (a handoff transition), changed since it was read.
    /// </summary>
    Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken);
}
