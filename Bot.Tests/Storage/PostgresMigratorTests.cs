using System.Collections.Concurrent;
using HandoffBot.Storage.Postgres;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace HandoffBot.Tests.Storage;

/// <summary>Start-ups of one or several instances on one PostgreSQL database: each migration runs once, or the start stops.</summary>
public sealed class PostgresMigratorTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly MigrationLog _log = new();
    private PostgresTestDatabase _test = null!;

    /// <summary>Version 1 creates a table and adds one row; any later migrations given run after it.</summary>
    private sealed class CountingSchema(params string[] later) : PostgresSchema("counting",
        ["CREATE TABLE runs (id serial PRIMARY KEY, migration integer NOT NULL); INSERT INTO runs (migration) VALUES (1);", .. later]);

    /// <summary>The migrations start-ups reported (EventId 6001), from every instance.</summary>
    private sealed class MigrationLog : ILogger<PostgresDatabase>
    {
        public ConcurrentQueue<(string Schema, int From, int To)> Migrated { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 6001 && state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                var value = values.ToDictionary(v => v.Key, v => v.Value);
                Migrated.Enqueue(((string)value["Schema"]!, (int)value["From"]!, (int)value["To"]!));
            }
        }
    }

    public async Task InitializeAsync() => _test = await PostgresTestDatabase.CreateAsync(_time);

    public async Task DisposeAsync() => await _test.DisposeAsync();

    private async Task StartAsync(IPostgresSchema schema, string instance = "a")
    {
        await using var database = PostgresTestDatabase.Open(_test.ConnectionString, _time, [schema], instance, _log);
        await database.InitialiseAsync(CancellationToken.None);
    }

    private async Task<T> QueryAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_test.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private Task<int> VersionAsync() => QueryAsync<int>("SELECT version FROM schema_version WHERE name = 'counting'");

    [Fact]
    public async Task InstancesStartingTogetherOnAnEmptyDatabaseRunEachMigrationOnce()
    {
        var schema = new CountingSchema("INSERT INTO runs (migration) VALUES (2);");

        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => StartAsync(schema, $"instance-{i}"))));

        Assert.Equal(2L, await QueryAsync<long>("SELECT count(*) FROM runs"));
        Assert.Equal(2, await VersionAsync());
        Assert.Equal([("counting", 0, 2)], _log.Migrated);
    }

    [Fact]
    public async Task AnUpgradeRunsOnlyTheNewMigrationsAndRecordsWhen()
    {
        await StartAsync(new CountingSchema());
        _time.Advance(TimeSpan.FromDays(1));

        await StartAsync(new CountingSchema("INSERT INTO runs (migration) VALUES (2);"));

        var runs = await QueryAsync<int[]>("SELECT array_agg(migration ORDER BY id) FROM runs");
        Assert.Equal([1, 2], runs);
        Assert.Equal(2, await VersionAsync());
        Assert.Equal(_time.GetUtcNow().UtcDateTime, await QueryAsync<DateTime>("SELECT applied_at FROM schema_version WHERE name = 'counting'"));
        Assert.Equal([("counting", 0, 1), ("counting", 1, 2)], _log.Migrated);
    }

    [Fact]
    public async Task ADatabaseNewerThanTheBuildStopsTheStart()
    {
        await StartAsync(new CountingSchema("SELECT 1;"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(new CountingSchema()));

        Assert.Equal("The database has version 2 of 'counting', newer than this build knows (1). Run a newer build or another database.", error.Message);
    }

    [Fact]
    public async Task AFailingMigrationStopsTheStartAndLeavesVersionAndTablesAsTheyWere()
    {
        await StartAsync(new CountingSchema());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            StartAsync(new CountingSchema("ALTER TABLE runs ADD COLUMN extra integer; INSERT INTO runs (migration) VALUES (2); SELECT * FROM no_such_table;")));

        Assert.StartsWith("Migration 2 of 'counting' failed: ", error.Message);
        Assert.Equal(1, await VersionAsync());
        Assert.Equal(1L, await QueryAsync<long>("SELECT count(*) FROM runs"));
        Assert.Equal(0L, await QueryAsync<long>("SELECT count(*) FROM information_schema.columns WHERE table_name = 'runs' AND column_name = 'extra' AND table_schema = current_schema()"));
    }
}
