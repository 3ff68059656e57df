namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// A turn's transcript entries, state, inbox completion and feature records in one savepoint of the group-commit
/// transaction. Records are mapped to SQL by their registered <see cref="ISqliteTurnRecordWriter"/> before the write,
/// so an unknown record type fails the commit with nothing written. The state check runs first, so a conflict writes nothing.
/// </summary>
internal sealed class SqliteTurnStore(SqliteDatabase database, SqliteRecordWriters writers, TimeProvider time) : ITurnStore
{
    public Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.IsEmpty)
        {
            return Task.CompletedTask;
        }
        var records = writers.Prepare(commit.Records);
        var rows = SqliteTranscriptStore.Serialize(commit.Transcript);
        var now = time.GetUtcNow();
        return database.WriteAsync(session =>
        {
            if (commit.State is { } state)
            {
                SqliteConversationStateStore.Write(session, state.Key, state.Json, state.ExpectedVersion, now);
            }
            SqliteTranscriptStore.Insert(session, rows);
            foreach (var write in records)
            {
                write(session);
            }
            if (commit.CompletesInboxItem is { } item)
            {
                SqliteInboxStore.Complete(session, item, now);
            }
            return true;
        }, cancellationToken);
    }
}
