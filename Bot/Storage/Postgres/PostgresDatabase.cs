using Microsoft.Extensions.Options;
using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// The shared database of several instances: one <see cref="NpgsqlDataSource"/> (pooled connections, statements
/// prepared automatically). <see cref="WriteAsync{T}"/> runs a delegate in its own transaction and commits it;
/// <see cref="ReadAsync{T}"/> runs one on a pooled connection without a transaction. The first use migrates every
/// registered <see cref="IPostgresSchema"/> (once per process; under an advisory lock across processes).
/// </summary>
public sealed partial class PostgresDatabase : IStorageHealth, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlDataSource _leases;
    private readonly IEnumerable<IPostgresSchema> _schemas;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialised;

    public PostgresDatabase(IOptions<PostgresOptions> options, IEnumerable<IPostgresSchema> schemas, TimeProvider time, ILogger<PostgresDatabase>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            throw new InvalidOperationException($"ConnectionStrings:{PostgresOptions.ConnectionStringName} is not set.");
        }
        var builder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        var connection = builder.ConnectionStringBuilder;
        connection.MaxPoolSize = settings.MaxPoolSize;
        connection.MaxAutoPrepare = 128;
        connection.AutoPrepareMinUsages = 2;
        connection.CommandTimeout = (int)Math.Ceiling(settings.CommandTimeout.TotalSeconds);
        // Both pools run only transactions and plain statements (transaction-scoped locks, no SET, no LISTEN, no temp
        // tables), so a returned connection has no session state to reset; with prepared statements Npgsql's reset is
        // seven statements sent with the next command, about 28 per handoff conversation (2026-12-03, issue 13 item 7).
        connection.NoResetOnClose = true;
        // Always this instance's own name: the handoff change notifications name their sender by it (PostgresChangeListener).
        connection.ApplicationName = $"HandoffBot {settings.InstanceName}";
        _source = builder.Build();
        var leases = new NpgsqlConnectionStringBuilder(connection.ConnectionString)
        {
            MaxPoolSize = settings.TurnLeaseConnections,
            Timeout = 60, // a turn waits for a lock connection while other turns run: seconds, not a failure
            ApplicationName = $"HandoffBot {settings.InstanceName} turn locks",
        };
        _leases = NpgsqlDataSource.Create(leases);
        InstanceName = settings.InstanceName;
        InstanceLease = settings.InstanceLease;
        _schemas = schemas;
        _time = time;
        _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    /// <summary>This instance's name in the rows it claims (<see cref="PostgresOptions.InstanceName"/>).</summary>
    public string InstanceName { get; }

    /// <summary>How long this instance's lease runs after its last renewal (<see cref="PostgresOptions.InstanceLease"/>).</summary>
    public TimeSpan InstanceLease { get; }

    public NpgsqlDataSource DataSource => _source;

    /// <summary>The connections that hold per-conversation turn locks (<see cref="PostgresOptions.TurnLeaseConnections"/>).</summary>
    public NpgsqlDataSource LeaseSource => _leases;

    /// <summary>Runs <paramref name="write"/> in a new transaction and commits it; if it throws, nothing it wrote is kept.</summary>
    public async Task<T> WriteAsync<T>(Func<PostgresSession, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!_initialised)
        {
            await InitialiseAsync(cancellationToken);
        }
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var session = new PostgresSession(connection, transaction, cancellationToken);
        var result = await write(session);
        await session.FinishAsync();
        if (!session.Committed)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        return result;
    }

    /// <summary>Runs <paramref name="read"/> on a pooled connection (each statement sees what was committed when it started).</summary>
    public async Task<T> ReadAsync<T>(Func<PostgresSession, Task<T>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (!_initialised)
        {
            await InitialiseAsync(cancellationToken);
        }
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        return await read(new PostgresSession(connection, null, cancellationToken));
    }

    /// <summary>Migrates every registered schema once per process.</summary>
    public async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        await _initLock.WaitAsync(cancellationToken);
        try
        {
            if (_initialised)
            {
                return;
            }
            await using var connection = await _source.OpenConnectionAsync(cancellationToken);
            foreach (var applied in await PostgresMigrator.MigrateAsync(connection, _schemas, _time.GetUtcNow(), cancellationToken))
            {
                LogMigrated(_logger, applied.Name, applied.From, applied.To);
            }
            _initialised = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    public Task PingAsync(CancellationToken cancellationToken) =>
        ReadAsync(async session =>
        {
            await using var ping = session.Command("SELECT 1");
            return await ping.ExecuteScalarAsync(cancellationToken);
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _leases.DisposeAsync();
        await _source.DisposeAsync();
        _initLock.Dispose();
    }

    public void Dispose()
    {
        _leases.Dispose();
        _source.Dispose();
        _initLock.Dispose();
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Storage schema '{Schema}' migrated from version {From} to {To}")]
    private static partial void LogMigrated(ILogger logger, string schema, int from, int to);
}
