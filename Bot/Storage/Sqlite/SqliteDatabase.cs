using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace HandoffBot.Storage.Sqlite;

/// <summary>A feature's tables, created on first run. Statements must be idempotent (<c>IF NOT EXISTS</c>).</summary>
public interface ISqliteSchema
{
    string Name { get; }

    string CreateSql { get; }
}

/// <summary>
/// The embedded database: one file in the data folder (WAL), or a named shared in-memory database kept alive
/// for the process (tests). Hands out open connections with the per-connection pragmas applied.
/// </summary>
public sealed class SqliteDatabase : IStorageHealth, IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection? _keepAlive;
    private readonly IEnumerable<ISqliteSchema> _schemas;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialised;

    public SqliteDatabase(IOptions<StorageOptions> options, IEnumerable<ISqliteSchema> schemas, Microsoft.Extensions.Hosting.IHostEnvironment environment)
    {
        _schemas = schemas;
        var configured = options.Value.SqliteConnectionString;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            _connectionString = configured;
        }
        else
        {
            var folder = Path.GetFullPath(options.Value.DataFolder, environment.ContentRootPath);
            Directory.CreateDirectory(folder);
            _connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(folder, "handoffbot.db"),
                Mode = SqliteOpenMode.ReadWriteCreate,
                Cache = SqliteCacheMode.Private,
                Pooling = true,
            }.ToString();
        }
        if (IsInMemory)
        {
            // A shared in-memory database lives as long as one connection to it is open.
            _keepAlive = new SqliteConnection(_connectionString);
            _keepAlive.Open();
        }
    }

    public bool IsInMemory => _connectionString.Contains(":memory:", StringComparison.OrdinalIgnoreCase)
        || _connectionString.Contains("Mode=Memory", StringComparison.OrdinalIgnoreCase);

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_initialised)
        {
            await InitialiseAsync(cancellationToken);
        }
        return await OpenRawAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates every registered schema once per process.</summary>
    public async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        await _initLock.WaitAsync(cancellationToken);
        try
        {
            if (_initialised)
            {
                return;
            }
            await using var connection = await OpenRawAsync(cancellationToken);
            if (!IsInMemory)
            {
                await using var wal = connection.CreateCommand();
                wal.CommandText = "PRAGMA journal_mode=WAL;";
                await wal.ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var schema in _schemas)
            {
                await using var create = connection.CreateCommand();
                create.CommandText = schema.CreateSql;
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            _initialised = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public void Dispose()
    {
        _keepAlive?.Dispose();
        _initLock.Dispose();
    }
}
