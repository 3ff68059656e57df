namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// Maps one <see cref="ITurnRecord"/> type to SQL. <see cref="Prepare"/> runs before the commit, outside the writer
/// (serialise JSON, convert times); the returned action only executes prepared statements inside the turn's
/// transaction. Registered in DI next to the feature's schema; <see cref="SqliteTurnStore"/> picks the writer by type.
/// </summary>
public interface ISqliteTurnRecordWriter
{
    Type RecordType { get; }

    Action<SqliteSession> Prepare(ITurnRecord record);
}

/// <summary>The typed base of a record writer.</summary>
public abstract class SqliteTurnRecordWriter<TRecord> : ISqliteTurnRecordWriter where TRecord : ITurnRecord
{
    public Type RecordType => typeof(TRecord);

    public Action<SqliteSession> Prepare(ITurnRecord record) => Prepare((TRecord)record);

    protected abstract Action<SqliteSession> Prepare(TRecord record);
}

/// <summary>Every registered <see cref="ISqliteTurnRecordWriter"/>, by record type: a record no writer knows fails before anything is written.</summary>
public sealed class SqliteRecordWriters(IEnumerable<ISqliteTurnRecordWriter> writers)
{
    private readonly Dictionary<Type, ISqliteTurnRecordWriter> _writers = writers.ToDictionary(w => w.RecordType);

    /// <summary>The writes of <paramref name="records"/>, prepared outside the writer (serialised, times converted).</summary>
    public Action<SqliteSession>[] Prepare(IReadOnlyList<ITurnRecord> records)
    {
        var prepared = new Action<SqliteSession>[records.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            var record = records[i];
            prepared[i] = _writers.TryGetValue(record.GetType(), out var writer)
                ? writer.Prepare(record)
                : throw new InvalidOperationException($"No SQLite writer is registered for the record {record.GetType().Name}.");
        }
        return prepared;
    }

    /// <summary>Prepares and writes <paramref name="records"/> inside a write that is already running (records made from what it read).</summary>
    public void Write(SqliteSession session, IReadOnlyList<ITurnRecord>? records)
    {
        if (records is null)
        {
            return;
        }
        foreach (var write in Prepare(records))
        {
            write(session);
        }
    }
}
