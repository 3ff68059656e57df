using HandoffBot.Routing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// Routing ownership on a shared PostgreSQL: a session advisory lock held on a dedicated, unpooled connection (never
/// through a transaction-pooling proxy, which would hand the session to someone else). The lock lives as long as the
/// session: when the owner's process dies its socket closes and the server drops the lock at once; the next check of
/// another instance takes it. The owner pings its connection at every check, so it also notices when it lost the
/// session (network cut, server restart) and stops deciding. The server's TCP keep-alive on this session is shortened,
/// so an owner whose host vanished without closing its socket loses the lock within about 10 s.
/// Every takeover raises the schema's routing term (<c>routing_term</c>), which is this instance's <see cref="Term"/>:
/// the owner's decisions carry it and the handoff store refuses one whose term is no longer the current one
/// (<see cref="PostgresRoutingFence"/>), so an owner that has not noticed it lost its session decides nothing more.
/// </summary>
internal sealed partial class PostgresRoutingOwnership : IRoutingOwnership, IAsyncDisposable
{
    /// <summary>The advisory lock key with the schema appended (hashed like the other advisory locks of the provider).</summary>
    internal const string LockKey = "handoffbot.routing-owner";

    /// <summary>The routing term: one row, raised at every takeover by any instance.</summary>
    internal sealed class Schema() : PostgresSchema("routing_term", """
        CREATE TABLE routing_term (id int PRIMARY KEY CHECK (id = 1), term bigint NOT NULL);
        INSERT INTO routing_term (id, term) VALUES (1, 0);
        """);

    private readonly PostgresDatabase _database;

    private readonly string _connectionString;
    private readonly IOptions<RoutingOptions> _routing;
    private readonly ILogger<PostgresRoutingOwnership> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private NpgsqlConnection? _connection;
    private volatile bool _owner;
    private long _term;

    public PostgresRoutingOwnership(IOptions<PostgresOptions> options, IOptions<RoutingOptions> routing, PostgresDatabase database, ILogger<PostgresRoutingOwnership> logger)
    {
        _database = database;
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        var builder = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            Pooling = false, // the lock belongs to this one session; a pooled connection could be reset or handed on
            ApplicationName = ApplicationNameOf(settings.InstanceName),
            Timeout = 5,
            CommandTimeout = 5,
        };
        builder.Options = $"{builder.Options} -c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=2".Trim();
        _connectionString = builder.ConnectionString;
        _routing = routing;
        _logger = logger;
    }

    /// <summary>The <c>application_name</c> of an instance's ownership session (operators find the owner in <c>pg_stat_activity</c>).</summary>
    internal static string ApplicationNameOf(string instanceName) => $"HandoffBot {instanceName} routing owner";

    public TimeSpan? CheckInterval => _routing.Value.OwnerCheckInterval;

    public bool IsOwner => _owner;

    public long Term => Interlocked.Read(ref _term);

    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_owner && await StillOwnerAsync(cancellationToken))
            {
                return true;
            }
            // Not the owner, or the session just ended (its lock with it): try to take it, on a new session if need be.
            _connection ??= await OpenAsync(cancellationToken);
            await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key || '/' || current_schema(), 0))", _connection);
            take.Parameters.AddWithValue("key", LockKey); // one owner per schema: deployments sharing a database route apart
            if (await take.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return false;
            }
            // The lock is held: raise the term before deciding anything. An old owner's decision still in flight holds
            // the term row (FOR SHARE) and is committed first, so the rebuild that follows sees it; any later one is refused.
            var term = await _database.WriteAsync(async session =>
            {
                await using var raise = session.Command("UPDATE routing_term SET term = term + 1 WHERE id = 1 RETURNING term");
                return await raise.ExecuteScalarAsync(cancellationToken) is long raised ? raised : throw new InvalidOperationException("routing_term has no row");
            }, cancellationToken);
            Interlocked.Exchange(ref _term, term);
            _owner = true;
            LogTookOwnership(_logger, term);
            return true;
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogCheckFailed(_logger, exception);
            _owner = false;
            await CloseAsync();
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The owner's session still answers; if not, ownership ended with it (the server dropped the lock).</summary>
    private async Task<bool> StillOwnerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var ping = new NpgsqlCommand("SELECT 1", _connection);
            await ping.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            LogLostOwnership(_logger, exception);
            _owner = false;
            await CloseAsync();
            return false;
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task CloseAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    /// <summary>Closing the session releases the lock: a graceful stop hands routing over at the others' next check.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_owner && _connection is { } connection)
        {
            try
            {
                // Released at once rather than when the server has ended the session: the next check elsewhere takes it.
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
                await release.ExecuteNonQueryAsync();
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogCheckFailed(_logger, exception); // the session ends below: the server drops the lock with it
            }
        }
        _owner = false;
        await CloseAsync();
        _gate.Dispose();
    }

    [LoggerMessage(EventId = 6020, Level = LogLevel.Information, Message = "This instance now owns routing, term {Term} (it makes the offers, timeouts and wait updates of every instance)")]
    private static partial void LogTookOwnership(ILogger logger, long term);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "This instance lost routing ownership (its session ended); another instance takes over")]
    private static partial void LogLostOwnership(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6022, Level = LogLevel.Warning, Message = "The routing ownership check could not reach the database; it is tried again at the next check")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}

/// <summary>The check a routing owner's decision passes inside its transaction (see <see cref="PostgresRoutingOwnership"/>).</summary>
internal static class PostgresRoutingFence
{
    /// <summary>
    /// True when <paramref name="term"/> is still the current routing term. The row stays locked (FOR SHARE) until
    /// the transaction ends, so a takeover raising the term waits for this decision to commit.
    /// </summary>
    public static async Task<bool> HoldsAsync(PostgresSession session, long term)
    {
        await using var read = session.Command("SELECT term FROM routing_term WHERE id = 1 FOR SHARE");
        return await read.ExecuteScalarAsync(session.CancellationToken) is long current && current == term;
    }
}
