using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// One test's SQLite database: a named shared in-memory database (kept alive by <see cref="SqliteDatabase"/>) with the
/// given schemas, migrated on first use by the real migrator, on the test's clock; or (<see cref="OnFile"/>) a file one.
/// </summary>
public sealed class SqliteTestDatabase : IAsyncDisposable
{
    private SqliteTestDatabase(SqliteDatabase database) => Database = database;

    public SqliteDatabase Database { get; }

    public static SqliteTestDatabase Create(TimeProvider time, params ISqliteSchema[] schemas) =>
        new(Open(new StorageOptions { SqliteConnectionString = $"Data Source=contract-{Guid.NewGuid():N};Mode=Memory;Cache=Shared" }, AppContext.BaseDirectory, time, null, schemas));

    /// <summary>The bot's file database (WAL) in <paramref name="folder"/>, as a start-up of the bot opens it.</summary>
    public static SqliteDatabase OnFile(string folder, TimeProvider time, ILogger<SqliteDatabase>? logger, params ISqliteSchema[] schemas) =>
        Open(new StorageOptions { DataFolder = folder }, folder, time, logger, schemas);

    private static SqliteDatabase Open(StorageOptions options, string contentRoot, TimeProvider time, ILogger<SqliteDatabase>? logger, ISqliteSchema[] schemas) =>
        new(Options.Create(options), schemas, new HostingEnvironment { ContentRootPath = contentRoot }, time, logger);

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
