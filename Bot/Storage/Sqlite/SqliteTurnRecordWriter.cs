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
