namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// A turn's transcript entries, state, inbox completion and feature rows in one savepoint of the group-commit transaction.
/// The state check runs first, so a conflict writes nothing.
/// </summary>
internal sealed class SqliteTurnStore(SqliteDatabase database, TimeProvider time) : ITurnStore
{
    public Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.IsEmpty)
        {
            return Task.CompletedTask;
        }
        var rows = SqliteTranscriptStore.Serialize(commit.Transcript);
        var now = time.GetUtcNow();
        return database.WriteAsync(session =>
        {
            if (commit.State is { } state)
            {
                SqliteConversationStateStore.Write(session, state.Key, state.Json, state.ExpectedVersion, now);
            }
            SqliteTranscriptStore.Insert(session, rows);
            foreach (var record in commit.Records)
            {
                record.WriteTo(session);
            }
            if (commit.CompletesInboxItem is { } item)
            {
                SqliteInboxStore.Complete(session, item, now);
            }
            return true;
        }, cancellationToken);
    }
}
