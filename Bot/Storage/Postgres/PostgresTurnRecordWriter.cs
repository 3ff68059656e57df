namespace HandoffBot.Storage.Postgres;

/// <summary>
/// Maps one <see cref="ITurnRecord"/> type to PostgreSQL, like <see cref="Sqlite.ISqliteTurnRecordWriter"/>:
/// <see cref="Prepare"/> runs before the transaction (serialise, convert), the returned delegate only executes
/// statements inside it. <see cref="PostgresTurnStore"/> picks the writer by record type.
/// </summary>
public interface IPostgresTurnRecordWriter
{
    Type RecordType { get; }

    Func<PostgresSession, Task> Prepare(ITurnRecord record);
}

/// <summary>The typed base of a record writer.</summary>
public abstract class PostgresTurnRecordWriter<TRecord> : IPostgresTurnRecordWriter where TRecord : ITurnRecord
{
    public Type RecordType => typeof(TRecord);

    public Func<PostgresSession, Task> Prepare(ITurnRecord record) => Prepare((TRecord)record);

    protected abstract Func<PostgresSession, Task> Prepare(TRecord record);
}

/// <summary>Every registered <see cref="IPostgresTurnRecordWriter"/>, by record type: a record no writer knows fails before anything is written.</summary>
public sealed class PostgresRecordWriters(IEnumerable<IPostgresTurnRecordWriter> writers)
{
    private readonly Dictionary<Type, IPostgresTurnRecordWriter> _writers = writers.ToDictionary(w => w.RecordType);

    public Func<PostgresSession, Task>[] Prepare(IReadOnlyList<ITurnRecord> records)
    {
        var prepared = new Func<PostgresSession, Task>[records.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            var record = records[i];
            prepared[i] = _writers.TryGetValue(record.GetType(), out var writer)
                ? writer.Prepare(record)
                : throw new InvalidOperationException($"No PostgreSQL writer is registered for the record {record.GetType().Name}.");
        }
        return prepared;
    }

    /// <summary>Prepares and writes <paramref name="records"/> inside a transaction that is already running.</summary>
    public async Task WriteAsync(PostgresSession session, IReadOnlyList<ITurnRecord>? records)
    {
        if (records is null)
        {
            return;
        }
        foreach (var write in Prepare(records))
        {
            await write(session);
        }
    }
}
