namespace HandoffBot.Storage.Postgres;

/// <summary>
/// A turn's transcript entries, state, inbox completion and feature records in one PostgreSQL transaction, the state
/// check first (a conflict writes nothing). Records are mapped by their <see cref="IPostgresTurnRecordWriter"/> before
/// the transaction starts, so an unknown record type fails with nothing written.
/// </summary>
internal sealed class PostgresTurnStore(PostgresDatabase database, PostgresRecordWriters writers, TimeProvider time) : ITurnStore
{
    public Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.IsEmpty)
        {
            return Task.CompletedTask;
        }
        var records = writers.Prepare(commit.Records);
        var rows = Sqlite.SqliteTranscriptStore.Serialize(commit.Transcript);
        var now = time.GetUtcNow();
        return database.WriteAsync(async session =>
        {
            if (commit.State is { } state)
            {
                await PostgresConversationStateStore.WriteAsync(session, state.Key, state.Json, state.ExpectedVersion, now);
            }
            await PostgresTranscriptStore.InsertAsync(session, rows);
            foreach (var write in records)
            {
                await write(session);
            }
            if (commit.CompletesInboxItem is { } item)
            {
                await PostgresInboxStore.CompleteAsync(session, item, now);
            }
            return true;
        }, cancellationToken);
    }
}
