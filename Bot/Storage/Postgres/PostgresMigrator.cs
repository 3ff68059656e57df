using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// Brings every registered <see cref="IPostgresSchema"/> to its latest version in one transaction that first takes a
/// transaction-scoped advisory lock (keyed by the database schema in use): of several instances starting together one
/// migrates and the others wait, then find nothing to do. A failing migration rolls everything back and stops the start.
/// </summary>
internal static class PostgresMigrator
{
    private const string VersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            name       text PRIMARY KEY,
            version    integer NOT NULL,
            applied_at timestamptz NOT NULL
        );
        """;

    public static async Task<IReadOnlyList<Sqlite.SqliteMigrator.Applied>> MigrateAsync(
        NpgsqlConnection connection, IEnumerable<IPostgresSchema> schemas, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var applied = new List<Sqlite.SqliteMigrator.Applied>();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var session = new PostgresSession(connection, transaction, cancellationToken);
        await session.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended('handoffbot.migrations/' || current_schema(), 0))");
        await session.RunScriptAsync(VersionTable);
        foreach (var schema in schemas.DistinctBy(s => s.Name, StringComparer.Ordinal))
        {
            var current = await CurrentVersionAsync(session, schema.Name);
            if (current > schema.Migrations.Count)
            {
                throw new InvalidOperationException(
                    $"The database has version {current} of '{schema.Name}', newer than this build knows ({schema.Migrations.Count}). Run a newer build or another database.");
            }
            for (var version = current + 1; version <= schema.Migrations.Count; version++)
            {
                try
                {
                    await session.RunScriptAsync(schema.Migrations[version - 1]);
                }
                catch (PostgresException exception)
                {
                    throw new InvalidOperationException($"Migration {version} of '{schema.Name}' failed: {exception.MessageText}", exception);
                }
            }
            if (schema.Migrations.Count > current)
            {
                await using var record = session.Command("""
                    INSERT INTO schema_version (name, version, applied_at) VALUES (@name, @version, @at)
                    ON CONFLICT (name) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at
                    """);
                await record.With("name", schema.Name).With("version", schema.Migrations.Count).WithTime("at", now).ExecuteNonQueryAsync(cancellationToken);
                applied.Add(new(schema.Name, current, schema.Migrations.Count));
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    private static async Task<int> CurrentVersionAsync(PostgresSession session, string name)
    {
        await using var read = session.Command("SELECT version FROM schema_version WHERE name = @name").With("name", name);
        return await read.ExecuteScalarAsync(session.CancellationToken) is int version ? version : 0;
    }
}
