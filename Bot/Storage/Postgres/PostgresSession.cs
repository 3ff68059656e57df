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

    private List<(NpgsqlBatchCommand Command, Action<int>? Check)>? _deferred;
    private List<NpgsqlBatchCommand>? _tail;
    private string? _tailLock;

    /// <summary>
    /// A command for <paramref name="sql"/> in this session's transaction; dispose it (<c>await using</c>). Writes
    /// queued with <see cref="Defer"/> must be sent first (<see cref="FlushAsync"/>): a statement that reads must see
    /// them, so a command made while some are queued is refused.
    /// </summary>
    public NpgsqlCommand Command(string sql) => _deferred is null
        ? new(sql, Connection, Transaction)
        : throw new InvalidOperationException("Deferred writes are queued in this transaction: call FlushAsync before a statement that reads, or use ExecuteAsync.");

    /// <summary>
    /// Queues a write whose outcome is only checked (<paramref name="check"/> gets its affected rows and throws to
    /// roll the transaction back): it goes to the server with the next statement of the transaction, at the latest
    /// with the commit, so a turn's writes cost one round trip instead of one each. Returns the queued command for its
    /// parameters.
    /// </summary>
    public NpgsqlBatchCommand Defer(string sql, Action<int>? check = null) => Defer(new NpgsqlBatchCommand(sql), check);

    /// <inheritdoc cref="Defer(string, Action{int}?)"/>
    public NpgsqlBatchCommand Defer(NpgsqlBatchCommand command, Action<int>? check = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        (_deferred ??= []).Add((command, check));
        return command;
    }

    /// <summary>Runs <paramref name="sql"/> (after any deferred writes, in the same round trip); its affected rows.</summary>
    public Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }
        return ExecuteAsync(command);
    }

    /// <summary>Runs <paramref name="command"/> (after any deferred writes, in the same round trip); its affected rows.</summary>
    public async Task<int> ExecuteAsync(NpgsqlBatchCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        await SendAsync([command]);
        return command.RecordsAffected;
    }

    /// <summary>Runs a script of several statements (a migration), after any deferred writes.</summary>
    public async Task RunScriptAsync(string sql)
    {
        await FlushAsync();
        await using var command = Command(sql);
        await command.ExecuteNonQueryAsync(CancellationToken);
    }

    /// <summary>Sends the deferred writes now, if any, and runs their checks.</summary>
    public Task FlushAsync() => _deferred is null ? Task.CompletedTask : SendAsync([]);

    /// <summary>Takes a transaction-scoped advisory lock on <paramref name="key"/> (released at commit or rollback).</summary>
    public Task LockAsync(string key) =>
        ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", ("key", key));

    /// <summary>
    /// Queues <paramref name="command"/> as one of the transaction's last statements: <see cref="FinishAsync"/> sends
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

    /// <summary>Whether <see cref="FinishAsync"/> committed the transaction (it does when there is a tail).</summary>
    internal bool Committed { get; private set; }

    /// <summary>
    /// Sends what is still queued before the commit: the deferred writes (and their checks, which may still roll the
    /// transaction back), then, when there is a tail (<see cref="AddToTail"/>), its lock, its statements and the COMMIT
    /// in one round trip, so the lock is held only while the server runs them, never across a round trip to this
    /// process. <see cref="PostgresDatabase.WriteAsync{T}"/> calls it and commits itself when there was no tail.
    /// </summary>
    internal async Task FinishAsync()
    {
        await FlushAsync();
        if (_tail is not { } tail)
        {
            return;
        }
        var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))").With("key", _tailLock!);
        _tail = null;
        _tailLock = null;
        await SendAsync([lockCommand, .. tail, new NpgsqlBatchCommand("COMMIT")]);
        Committed = true;
    }

    /// <summary>
    /// One round trip: the deferred writes, then <paramref name="then"/>. The deferred writes' checks run afterwards in
    /// order; when a statement fails, the checks of those before it run first, so a state conflict is reported as
    /// one even where a later statement failed because of it.
    /// </summary>
    private async Task SendAsync(IReadOnlyList<NpgsqlBatchCommand> then)
    {
        var deferred = _deferred;
        _deferred = null;
        await using var batch = new NpgsqlBatch(Connection, Transaction);
        foreach (var (command, _) in deferred ?? [])
        {
            batch.BatchCommands.Add(command);
        }
        foreach (var command in then)
        {
            batch.BatchCommands.Add(command);
        }
        if (batch.BatchCommands.Count == 0)
        {
            return;
        }
        try
        {
            await batch.ExecuteNonQueryAsync(CancellationToken);
        }
        catch (PostgresException failed) when (deferred is not null && failed.BatchCommand is { } at)
        {
            foreach (var (command, check) in deferred.TakeWhile(d => !ReferenceEquals(d.Command, at)))
            {
                check?.Invoke(command.RecordsAffected);
            }
            throw;
        }
        foreach (var (command, check) in deferred ?? [])
        {
            check?.Invoke(command.RecordsAffected);
        }
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

    /// <summary>Adds a <c>jsonb</c> parameter (or <c>json</c>, kept as written) from JSON text to a batch command.</summary>
    public static NpgsqlBatchCommand WithJson(this NpgsqlBatchCommand command, string name, string? json, NpgsqlDbType type = NpgsqlDbType.Jsonb)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(Json(name, json, type));
        return command;
    }

    /// <summary>A <c>timestamptz</c> parameter of a batch command, rounded down to the microsecond, in UTC.</summary>
    public static NpgsqlBatchCommand WithTime(this NpgsqlBatchCommand command, string name, DateTimeOffset? at)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(Time(name, at));
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
        command.Parameters.Add(Json(name, json, type));
        return command;
    }

    /// <summary>A <c>timestamptz</c> parameter, rounded down to the microsecond, in UTC.</summary>
    public static NpgsqlCommand WithTime(this NpgsqlCommand command, string name, DateTimeOffset? at)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(Time(name, at));
        return command;
    }

    private static NpgsqlParameter Json(string name, string? json, NpgsqlDbType type) => new(name, type) { Value = (object?)json ?? DBNull.Value };

    private static NpgsqlParameter Time(string name, DateTimeOffset? at) => new(name, NpgsqlDbType.TimestampTz) { Value = PostgresTime.ToDb(at) };

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
