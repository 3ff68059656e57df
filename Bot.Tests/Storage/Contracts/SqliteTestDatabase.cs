using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// One test's SQLite database: a named shared in-memory database (kept alive by <see cref="SqliteDatabase"/>) with the
/// given schemas, migrated on first use by the real migrator, on the test's clock.
/// </summary>
public sealed class SqliteTestDatabase : IAsyncDisposable
{
    private SqliteTestDatabase(SqliteDatabase database) => Database = database;

    public SqliteDatabase Database { get; }

    public static SqliteTestDatabase Create(TimeProvider time, params ISqliteSchema[] schemas)
    {
        var options = Options.Create(new StorageOptions { SqliteConnectionString = $"Data Source=contract-{Guid.NewGuid():N};Mode=Memory;Cache=Shared" });
        return new(new SqliteDatabase(options, schemas, new HostingEnvironment { ContentRootPath = AppContext.BaseDirectory }, time));
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
