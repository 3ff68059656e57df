using Npgsql;
using NpgsqlTypes;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// One open connection and, for writes, its transaction. Handed to the delegates of
/// <see cref="PostgresDatabase.WriteAsync{T}"/> and <see cref="PostgresDatabase.ReadAsync{T}"/>; only valid inside them.
/// Statements are prepared automatically by Npgsql (<c>Max Auto Prepare</c>), so the hot path parses no SQL.
/// </summary>
public sealed class PostgresSession
{
    internal PostgresSession(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        Connection = connection;
        Transaction = transaction;
        CancellationToken = cancellationToken;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction? Transaction { get; }

    /// <summary>The caller's token: pass it to every Execute call.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>A command for <paramref name="sql"/> in this session's transaction; dispose it (<c>await using</c>).</summary>
    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    public async Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql);
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }
        return await command.ExecuteNonQueryAsync(CancellationToken);
    }

    /// <summary>Takes a transaction-scoped advisory lock on <paramref name="key"/> (released at commit or rollback).</summary>
    public Task LockAsync(string key) =>
        ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", ("key", key));

    private List<NpgsqlBatchCommand>? _tail;
    private string? _tailLock;

    /// <summary>
    /// Queues <paramref name="command"/> as one of the transaction's last statements: <see cref="RunTailAsync"/> sends
    /// the advisory lock <paramref name="lockKey"/> and every queued statement in one round trip right before the
    /// commit, so the lock is held for that round trip and the commit only (what <c>handoff_audit.seq</c> needs: see
    /// <see cref="PostgresHandoffRows"/>). Nothing may wait for another lock after it, so the tail never deadlocks.
    /// </summary>
    internal void AddToTail(string lockKey, NpgsqlBatchCommand command)
    {
        if (_tailLock is not null && _tailLock != lockKey)
        {
            throw new InvalidOperationException($"A transaction's tail runs under one lock; '{_tailLock}' is already queued, not '{lockKey}'.");
        }
        _tailLock = lockKey;
        (_tail ??= []).Add(command);
    }

    /// <summary>Runs the queued tail (<see cref="AddToTail"/>), if any; <see cref="PostgresDatabase.WriteAsync{T}"/> calls it before committing.</summary>
    internal async Task RunTailAsync()
    {
        if (_tail is not { } commands)
        {
            return;
        }
        await using var batch = new NpgsqlBatch(Connection, Transaction);
        var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))");
        lockCommand.Parameters.AddWithValue("key", _tailLock!);
        batch.BatchCommands.Add(lockCommand);
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }
        _tail = null;
        _tailLock = null;
        await batch.ExecuteNonQueryAsync(CancellationToken);
    }
}

public static class PostgresCommandExtensions
{
    /// <summary>Adds a parameter to a batch command; null becomes SQL NULL.</summary>
    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>Adds a parameter; null becomes SQL NULL.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>Adds a <c>jsonb</c> parameter (or <c>json</c>, kept as written) from JSON text.</summary>
    public static NpgsqlCommand WithJson(this NpgsqlCommand command, string name, string? json, NpgsqlDbType type = NpgsqlDbType.Jsonb)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = (object?)json ?? DBNull.Value });
        return command;
    }

    /// <summary>A <c>timestamptz</c> parameter, rounded down to the microsecond, in UTC.</summary>
    public static NpgsqlCommand WithTime(this NpgsqlCommand command, string name, DateTimeOffset? at)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = PostgresTime.ToDb(at) });
        return command;
    }

    public static string? GetNullableString(this NpgsqlDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }

    /// <summary>A <c>timestamptz</c> column as a UTC <see cref="DateTimeOffset"/>.</summary>
    public static DateTimeOffset GetTime(this NpgsqlDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.GetFieldValue<DateTimeOffset>(ordinal).ToUniversalTime();
    }
}
