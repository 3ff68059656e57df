namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// A turn's transcript entries, state, inbox completion and feature records in one savepoint of the group-commit
/// transaction. Records are mapped to SQL by their registered <see cref="ISqliteTurnRecordWriter"/> before the write,
/// so an unknown record type fails the commit with nothing written. The state check runs first, so a conflict writes nothing.
/// </summary>
internal sealed class SqliteTurnStore(SqliteDatabase database, IEnumerable<ISqliteTurnRecordWriter> writers, TimeProvider time) : ITurnStore
{
    private readonly Dictionary<Type, ISqliteTurnRecordWriter> _writers = writers.ToDictionary(w => w.RecordType);

    public Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.IsEmpty)
        {
            return Task.CompletedTask;
        }
        var records = new Action<SqliteSession>[commit.Records.Count];
        for (var i = 0; i < records.Length; i++)
        {
            var record = commit.Records[i];
            records[i] = _writers.TryGetValue(record.GetType(), out var writer)
                ? writer.Prepare(record)
                : throw new InvalidOperationException($"No SQLite writer is registered for the turn record {record.GetType().Name}.");
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
