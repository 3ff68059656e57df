using HandoffBot.Storage.Sqlite;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Storage;

/// <summary>Start-ups on one database file, as after a restart or an upgrade: each migration runs once, or the start stops.</summary>
public sealed class SqliteMigratorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("handoffbot-migrate-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Version 1 creates a table and adds one row; any later migrations given run after it.</summary>
    private sealed class CountingSchema(params string[] later) : SqliteSchema("counting",
        ["CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, migration INTEGER NOT NULL); INSERT INTO runs (migration) VALUES (1);", .. later]);

    private readonly MigrationLog _log = new();

    /// <summary>The migrations a start-up reported (EventId 6000): schema, from, to.</summary>
    private sealed class MigrationLog : ILogger<SqliteDatabase>
    {
        public List<(string Schema, int From, int To)> Migrated { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 6000 && state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                var value = values.ToDictionary(v => v.Key, v => v.Value);
                Migrated.Add(((string)value["Schema"]!, (int)value["From"]!, (int)value["To"]!));
            }
        }
    }

    private async Task StartAsync(ISqliteSchema schema)
    {
        await using var database = SqliteTestDatabase.OnFile(_folder, _time, _log, schema);
        await database.InitialiseAsync(CancellationToken.None);
    }

    private T Query<T>(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "handoffbot.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)command.ExecuteScalar()!;
    }

    private long Version() => Query<long>("SELECT version FROM schema_version WHERE name = 'counting'");

    [Fact]
    public async Task ASecondStartOnTheSameFileRunsNoMigrationAgain()
    {
        await StartAsync(new CountingSchema());
        await StartAsync(new CountingSchema());

        Assert.Equal(1, Query<long>("SELECT count(*) FROM runs"));
        Assert.Equal(1, Version());
        Assert.Equal([("counting", 0, 1)], _log.Migrated);
    }

    [Fact]
    public async Task AnUpgradeRunsOnlyTheNewMigrationsAndRecordsWhen()
    {
        await StartAsync(new CountingSchema());
        _time.Advance(TimeSpan.FromDays(1));

        await StartAsync(new CountingSchema("INSERT INTO runs (migration) VALUES (2);"));

        Assert.Equal("1,2", Query<string>("SELECT group_concat(migration, ',') FROM (SELECT migration FROM runs ORDER BY id)"));
        Assert.Equal(2, Version());
        Assert.Equal(SqliteTime.ToDb(_time.GetUtcNow()), Query<long>("SELECT applied_at FROM schema_version WHERE name = 'counting'"));
        Assert.Equal([("counting", 0, 1), ("counting", 1, 2)], _log.Migrated);
    }

    [Fact]
    public async Task ADatabaseNewerThanTheBuildStopsTheStartWithAClearMessage()
    {
        await StartAsync(new CountingSchema("INSERT INTO runs (migration) VALUES (2);"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(new CountingSchema()));

        Assert.Contains("version 2 of 'counting'", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer than this build knows (1)", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, Version());
    }

    [Fact]
    public async Task AFailingMigrationLeavesTheVersionAndTheTablesAsTheyWere()
    {
        await StartAsync(new CountingSchema());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(new CountingSchema(
            "INSERT INTO runs (migration) VALUES (2); CREATE TABLE half (id INTEGER); INSERT INTO no_such_table VALUES (1);")));

        Assert.Contains("Migration 2 of 'counting' failed", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, Version());
        Assert.Equal(1, Query<long>("SELECT count(*) FROM runs"));
        Assert.Equal(0, Query<long>("SELECT count(*) FROM sqlite_master WHERE name = 'half'"));
    }
}
