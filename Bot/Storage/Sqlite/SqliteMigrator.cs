using Microsoft.Data.Sqlite;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// Brings every registered <see cref="ISqliteSchema"/> to its latest version. One <c>BEGIN IMMEDIATE</c> transaction
/// takes SQLite's write lock, so two processes starting on one file run each migration once; a failing migration
/// rolls the whole start-up back and stops the start with the schema's name and version.
/// </summary>
internal static class SqliteMigrator
{
    /// <summary>A schema brought from one version to a newer one by a start-up.</summary>
    public readonly record struct Applied(string Name, int From, int To);

    private const string VersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            name       TEXT PRIMARY KEY,
            version    INTEGER NOT NULL,
            applied_at INTEGER NOT NULL
        );
        """;

    /// <summary>Runs what is missing; returns the schemas migrated (none when the database was up to date).</summary>
    public static IReadOnlyList<Applied> Migrate(SqliteConnection connection, IEnumerable<ISqliteSchema> schemas, DateTimeOffset now)
    {
        var applied = new List<Applied>();
        // For migrations that move round-trip text timestamps to SqliteTime (text that does not parse fails the migration).
        connection.CreateFunction<string?, long?>("utc_micros", text => text is null ? null
            : SqliteTime.ToDb(DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind)), isDeterministic: true);
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, VersionTable);
        foreach (var schema in schemas.DistinctBy(s => s.Name, StringComparer.Ordinal))
        {
            var current = CurrentVersion(connection, schema.Name);
            if (current > schema.Migrations.Count)
            {
                throw new InvalidOperationException(
                    $"The database has version {current} of '{schema.Name}', newer than this build knows ({schema.Migrations.Count}). Run a newer build or another database.");
            }
            for (var version = current + 1; version <= schema.Migrations.Count; version++)
            {
                try
                {
                    Execute(connection, schema.Migrations[version - 1]);
                }
                catch (SqliteException exception)
                {
                    throw new InvalidOperationException($"Migration {version} of '{schema.Name}' failed: {exception.Message}", exception);
                }
            }
            if (schema.Migrations.Count > current)
            {
                using var record = connection.CreateCommand();
                record.CommandText = """
                    INSERT INTO schema_version (name, version, applied_at) VALUES ($name, $version, $at)
                    ON CONFLICT(name) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at
                    """;
                record.Parameters.AddWithValue("$name", schema.Name);
                record.Parameters.AddWithValue("$version", schema.Migrations.Count);
                record.Parameters.AddWithValue("$at", SqliteTime.ToDb(now));
                record.ExecuteNonQuery();
                applied.Add(new Applied(schema.Name, current, schema.Migrations.Count));
            }
        }
        transaction.Commit();
        return applied;
    }

    /// <summary>The recorded version of <paramref name="name"/>; 0 when it has never been migrated.</summary>
    public static int CurrentVersion(SqliteConnection connection, string name)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT version FROM schema_version WHERE name = $name";
        read.Parameters.AddWithValue("$name", name);
        return read.ExecuteScalar() is long version ? (int)version : 0;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
