namespace HandoffBot.Storage.Postgres;

/// <summary>
/// A turn's transcript entries, state, inbox completion and feature records in one PostgreSQL transaction, the state
/// check first (a conflict writes nothing). Writes that are only checked are deferred (<see cref="PostgresSession.Defer(string, Action{int}?)"/>),
/// so a routine turn's commit is one round trip of statements and the COMMIT. Records are mapped by their <see cref="IPostgresTurnRecordWriter"/> before
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
                PostgresConversationStateStore.Write(session, state.Key, state.Json, state.ExpectedVersion, now);
            }
            PostgresTranscriptStore.Insert(session, rows);
            foreach (var write in records)
            {
                await write(session);
            }
            if (commit.CompletesInboxItem is { } item)
            {
                PostgresInboxStore.Complete(session, item, now);
            }
            return true;
        }, cancellationToken);
    }
}
