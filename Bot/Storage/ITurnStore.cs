using HandoffBot.Protocol;

namespace HandoffBot.Storage;

/// <summary>A conversation-state write with its optimistic-concurrency check (null expected version: must be new).</summary>
public sealed record StateWrite(string Key, string Json, long? ExpectedVersion);

/// <summary>
/// Everything one turn writes: its transcript entries in order, its state, and the inbox item it finishes.
/// </summary>
public sealed record TurnCommit(IReadOnlyList<Activity> Transcript, StateWrite? State, long? CompletesInboxItem)
{
    public bool IsEmpty => Transcript.Count == 0 && State is null && CompletesInboxItem is null;
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
