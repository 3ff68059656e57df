using HandoffBot.Storage.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// One test's PostgreSQL database: a new schema (its own tables, found through the connection's search path) on the
/// throwaway cluster eng/test.sh starts, migrated by the real migrator on first use, dropped afterwards. Without that
/// cluster the test fails: the PostgreSQL provider is never silently left untested.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    /// <summary>The variable eng/test.sh sets to the throwaway cluster's connection string.</summary>
    public const string Variable = "HANDOFFBOT_TEST_POSTGRES";

    private PostgresTestDatabase(PostgresDatabase database, string schema, string connectionString)
    {
        Database = database;
        Schema = schema;
        ConnectionString = connectionString;
    }

    public PostgresDatabase Database { get; }

    /// <summary>The schema this test's tables live in.</summary>
    public string Schema { get; }

    /// <summary>A connection string whose search path is this test's schema (for a second instance on the same database).</summary>
    public string ConnectionString { get; }

    /// <summary>The cluster's connection string; throws, failing the test, when eng/test.sh did not provide one.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set: run the tests through eng/test.sh, which starts a throwaway PostgreSQL on loopback " +
                $"(or: source eng/prerequisites.sh; source eng/postgres.sh; start_test_postgres). PostgreSQL tests never skip.");

    public static Task<PostgresTestDatabase> CreateAsync(TimeProvider time, params IPostgresSchema[] schemas)
    {
        var (schema, connectionString) = CreateSchema();
        return Task.FromResult(new PostgresTestDatabase(Open(connectionString, time, schemas), schema, connectionString));
    }

    /// <summary>A new, empty schema and a connection string whose search path is that schema.</summary>
    public static (string Schema, string ConnectionString) CreateSchema()
    {
        var schema = $"t_{Guid.NewGuid():N}";
        Execute($"CREATE SCHEMA {schema}");
        return (schema, new NpgsqlConnectionStringBuilder(ServerConnectionString) { SearchPath = schema }.ToString());
    }

    public static void DropSchema(string schema) => Execute($"DROP SCHEMA IF EXISTS {schema} CASCADE");

    private static void Execute(string sql)
    {
        using var admin = new NpgsqlConnection(ServerConnectionString);
        admin.Open();
        using var command = new NpgsqlCommand(sql, admin);
        command.ExecuteNonQuery();
    }

    /// <summary>Ends the one session named <paramref name="applicationName"/> server-side (as when its process is killed or its network cut).</summary>
    public static async Task TerminateSessionAsync(string applicationName)
    {
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using var kill = new NpgsqlCommand("SELECT count(*) FILTER (WHERE killed) FROM (SELECT pg_terminate_backend(pid, 5000) AS killed FROM pg_stat_activity WHERE application_name = @name) AS s", admin);
        kill.Parameters.AddWithValue("name", applicationName);
        Assert.Equal(1L, await kill.ExecuteScalarAsync());
    }

    /// <summary>Another instance's database on the same schema (its own pool, its own name).</summary>
    public static PostgresDatabase Open(string connectionString, TimeProvider time, IPostgresSchema[] schemas, string instance = "test-instance",
        Microsoft.Extensions.Logging.ILogger<PostgresDatabase>? logger = null) =>
        new(Options.Create(new PostgresOptions { ConnectionString = connectionString, InstanceName = instance, MaxPoolSize = 8 }), schemas, time, logger);

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        DropSchema(Schema);
    }
}
