using HandoffBot.Protocol;
using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Storage;

/// <summary>A conversation-state write with its optimistic-concurrency check (null expected version: must be new).</summary>
public sealed record StateWrite(string Key, string Json, long? ExpectedVersion);

/// <summary>
/// A row a feature adds to its turn's commit (an escalation audit entry, say), written in the same transaction as
/// the turn's transcript and state: all of them or none, and no write transaction of its own per turn.
/// </summary>
public interface ITurnRecord
{
    /// <summary>Writes the row inside the turn's SQLite transaction; prepared (serialised) before, so this only inserts.</summary>
    void WriteTo(SqliteSession session);
}

/// <summary>
/// Everything one turn writes: its transcript entries in order, its state, the inbox item it finishes, and the
/// rows features added (<see cref="ITurnRecord"/>).
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
    /// when the state changed since it was read.
    /// </summary>
    Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken);
}
