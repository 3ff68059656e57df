using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// The embedded database: one file in the data folder (WAL), or a named shared in-memory database kept alive
/// for the process (tests).
/// <para>
/// Writes go through <see cref="WriteAsync{T}"/>: one writer connection applies them in arrival order and
/// commits whatever is waiting in one transaction (group commit), each write in its own savepoint so a failing
/// write rolls back alone. Every caller still awaits its own commit. Reads go through <see cref="ReadAsync{T}"/>
/// on a small pool of open connections. Both keep their prepared statements, so the hot path neither opens
/// connections nor parses SQL. <see cref="OpenAsync"/> hands out a plain connection for anything else.
/// </para>
/// </summary>
public sealed partial class SqliteDatabase : IStorageHealth, IDisposable, IAsyncDisposable
{
    private const int MaxBatch = 512;
    private const int BusyTimeoutMilliseconds = 5000;

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly SqliteConnection? _keepAlive;
    private readonly IEnumerable<ISqliteSchema> _schemas;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    // Synchronous continuations: a write wakes the blocked writer thread directly (see WriterLoop), never through the thread pool.
    private readonly Channel<PendingWrite> _writes = Channel.CreateBounded<PendingWrite>(
        new BoundedChannelOptions(16 * 1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait, AllowSynchronousContinuations = true });
    private readonly ConcurrentQueue<SqliteSession> _readers = new();
    private int _idleReaders;
    private readonly int _maxIdleReaders = Math.Max(4, Environment.ProcessorCount * 4);
    private Task? _writer;
    private volatile bool _initialised;
    private bool _disposed;

    /// <summary>How often the writer copies new WAL frames into the database file (see <see cref="CheckpointIfDue"/>).</summary>
    internal static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>WAL size (frames, 4 KB each) at which the writer's checkpoint also starts the WAL again from its beginning.</summary>
    internal const int RestartAtFrames = 2048;

    /// <summary>How long a restarting checkpoint waits for readers still on the old WAL (SQLite's busy_timeout, ms).</summary>
    private const int RestartWaitMilliseconds = 20;

    private readonly TimeProvider _time;
    private long _lastCheckpoint;
    private int _walFrames;

    private readonly ILogger _logger;

    public SqliteDatabase(
        IOptions<StorageOptions> options, IEnumerable<ISqliteSchema> schemas, Microsoft.Extensions.Hosting.IHostEnvironment environment, TimeProvider time,
        ILogger<SqliteDatabase>? logger = null)
    {
        _schemas = schemas;
        _time = time;
        _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
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
        _pragmas = $"PRAGMA synchronous={(options.Value.DurableCommits ? "FULL" : "NORMAL")}; PRAGMA busy_timeout={BusyTimeoutMilliseconds}; PRAGMA foreign_keys=ON;";
        if (!IsInMemory)
        {
            // The writer checkpoints between its batches (CheckpointIfDue), never inside some turn's commit.
            _pragmas += " PRAGMA wal_autocheckpoint=0;";
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

    /// <summary>A new open connection with the per-connection pragmas applied; the caller disposes it.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_initialised)
        {
            await InitialiseAsync(cancellationToken);
        }
        return OpenRaw();
    }

    /// <summary>
    /// Runs <paramref name="write"/> on the writer connection inside the next group-commit transaction and
    /// completes once that transaction has committed. The delegate must be synchronous and short (it holds the
    /// writer); if it throws, its own changes are rolled back and the exception is rethrown to this caller only.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<SqliteSession, T> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!_initialised)
        {
            await InitialiseAsync(cancellationToken);
        }
        var pending = new PendingWrite<T>(write, cancellationToken);
        await _writes.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Task;
    }

    /// <summary>Runs <paramref name="read"/> on a pooled reader connection (a consistent snapshot).</summary>
    public async Task<T> ReadAsync<T>(Func<SqliteSession, T> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (!_initialised)
        {
            await InitialiseAsync(cancellationToken);
        }
        cancellationToken.ThrowIfCancellationRequested();
        SqliteSession session;
        if (_readers.TryDequeue(out var idle))
        {
            Interlocked.Decrement(ref _idleReaders);
            session = idle;
        }
        else
        {
            session = new SqliteSession(OpenRaw());
        }
        var healthy = false;
        try
        {
            var result = read(session);
            healthy = true;
            return result;
        }
        finally
        {
            if (healthy && !_disposed && Interlocked.Increment(ref _idleReaders) <= _maxIdleReaders)
            {
                _readers.Enqueue(session);
            }
            else
            {
                if (healthy && !_disposed)
                {
                    Interlocked.Decrement(ref _idleReaders);
                }
                session.Dispose();
            }
        }
    }

    private SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = _pragmas;
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Creates every registered schema once per process and starts the writer.</summary>
    public async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        await _initLock.WaitAsync(cancellationToken);
        try
        {
            if (_initialised)
            {
                return;
            }
            ObjectDisposedException.ThrowIf(_disposed, this);
            var connection = OpenRaw();
            try
            {
                if (!IsInMemory)
                {
                    using var wal = connection.CreateCommand();
                    wal.CommandText = "PRAGMA journal_mode=WAL;";
                    wal.ExecuteNonQuery();
                }
                foreach (var applied in SqliteMigrator.Migrate(connection, _schemas, _time.GetUtcNow()))
                {
                    LogMigrated(_logger, applied.Name, applied.From, applied.To);
                }
            }
            catch
            {
                connection.Dispose();
                throw;
            }
            var session = new SqliteSession(connection);
            _lastCheckpoint = _time.GetTimestamp();
            _writer = Task.Factory.StartNew(() => WriterLoop(session), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            _initialised = true;
        }
        finally
        {
            _initLock.Release();
        }
    }

    /// <summary>
    /// The writer: its own thread, blocked while nothing is waiting and woken directly by the next write. (It used to
    /// await the channel, so after its first wait it ran as a thread-pool work item and, whenever the pool was busy,
    /// each batch first waited in the pool's queue behind the turns' work: under a burst every commit waited for that.)
    /// </summary>
    private void WriterLoop(SqliteSession session)
    {
        Thread.CurrentThread.Name = "SQLite writer";
        using var _ = session;
        var batch = new List<PendingWrite>(MaxBatch);
        var reader = _writes.Reader;
        while (WaitForWrites(reader))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var next))
            {
                if (!next.IsCancelled)
                {
                    batch.Add(next);
                }
            }
            if (batch.Count > 0)
            {
                Commit(session, batch);
                batch.Clear();
                CheckpointIfDue(session);
            }
        }
    }

    private static bool WaitForWrites(ChannelReader<PendingWrite> reader)
    {
        var waiting = reader.WaitToReadAsync(CancellationToken.None);
        return waiting.IsCompletedSuccessfully ? waiting.Result : waiting.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Checkpoints on the writer's own connection between two batches, never inside a turn's commit, at most every
    /// <see cref="CheckpointInterval"/>. Usually PASSIVE: it copies the frames written since the last time (a few
    /// hundred at most, about a millisecond) and waits for nobody. Once the WAL holds <see cref="RestartAtFrames"/>
    /// frames, RESTART: after copying the small remainder it waits (at most <see cref="RestartWaitMilliseconds"/>) for
    /// the readers still on the old WAL, so the next write transaction starts the WAL again from its beginning.
    /// Measured under load (eng/load.sh): with checkpoints on another connection the WAL is never restarted (a reader
    /// is nearly always active) and grew to 500 MB in 12 s, every new block zeroed by the file system; one RESTART
    /// every 250 ms kept it at 12 MB but stalled the writer 7-15 ms each time, which was the load test's p99.
    /// </summary>
    private void CheckpointIfDue(SqliteSession session)
    {
        if (IsInMemory || _time.GetElapsedTime(_lastCheckpoint) < CheckpointInterval)
        {
            return;
        }
        _lastCheckpoint = _time.GetTimestamp();
        var handle = session.Connection.Handle;
        if (_walFrames < RestartAtFrames)
        {
            if (SQLitePCL.raw.sqlite3_wal_checkpoint_v2(handle, "main", SQLitePCL.raw.SQLITE_CHECKPOINT_PASSIVE, out var frames, out _) == SQLitePCL.raw.SQLITE_OK)
            {
                _walFrames = frames;
            }
            return;
        }
        SQLitePCL.raw.sqlite3_busy_timeout(handle, RestartWaitMilliseconds);
        try
        {
            // SQLITE_BUSY: a reader stayed on the old WAL; the WAL goes on growing and the next checkpoint tries again.
            if (SQLitePCL.raw.sqlite3_wal_checkpoint_v2(handle, "main", SQLitePCL.raw.SQLITE_CHECKPOINT_RESTART, out _, out _) == SQLitePCL.raw.SQLITE_OK)
            {
                _walFrames = 0;
            }
        }
        finally
        {
            SQLitePCL.raw.sqlite3_busy_timeout(handle, BusyTimeoutMilliseconds);
        }
    }

    private static void Commit(SqliteSession session, List<PendingWrite> batch)
    {
        try
        {
            session.Execute("BEGIN IMMEDIATE");
            foreach (var write in batch)
            {
                session.Execute("SAVEPOINT w");
                if (write.Run(session))
                {
                    session.Execute("RELEASE w");
                }
                else
                {
                    session.Execute("ROLLBACK TO w");
                    session.Execute("RELEASE w");
                }
            }
            session.Execute("COMMIT");
        }
        catch (Exception exception)
        {
            try
            {
                if (!session.Connection.AutoCommit())
                {
                    session.Execute("ROLLBACK");
                }
            }
            catch (SqliteException)
            {
                // The transaction is gone already; every write in the batch fails with the original error.
            }
            foreach (var write in batch)
            {
                write.Fail(exception);
            }
            return;
        }
        foreach (var write in batch)
        {
            write.Complete();
        }
    }

    public Task PingAsync(CancellationToken cancellationToken) =>
        ReadAsync(session => session.Command("SELECT 1").ExecuteScalar(), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _writes.Writer.TryComplete();
        if (_writer is { } writer)
        {
            await writer.ConfigureAwait(false);
        }
        DisposeConnections();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _writes.Writer.TryComplete();
        _writer?.GetAwaiter().GetResult();
        DisposeConnections();
    }

    private void DisposeConnections()
    {
        while (_readers.TryDequeue(out var session))
        {
            session.Dispose();
        }
        _keepAlive?.Dispose();
        _initLock.Dispose();
    }

    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Storage schema '{Schema}' migrated from version {From} to {To}")]
    private static partial void LogMigrated(ILogger logger, string schema, int from, int to);
}
