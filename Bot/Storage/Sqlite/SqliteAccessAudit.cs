using System.Security.Claims;
using HandoffBot.Hosting.Access;

namespace HandoffBot.Storage.Sqlite;

/// <summary>The access audit in SQLite: appended through the group-commit writer, read on the reader pool.</summary>
internal sealed class SqliteAccessAudit(SqliteDatabase database, TimeProvider time) : IAccessAudit
{
    private const string Columns = "SELECT at, principal, role, action, resource, allowed FROM access_audit";

    internal sealed class Schema() : SqliteSchema("access_audit", """
        CREATE TABLE IF NOT EXISTS access_audit (
            seq       INTEGER PRIMARY KEY AUTOINCREMENT,
            at        INTEGER NOT NULL,
            principal TEXT NOT NULL,
            role      TEXT NOT NULL,
            action    TEXT NOT NULL,
            resource  TEXT NOT NULL,
            allowed   INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_access_audit_at ON access_audit (at);
        """);

    public Task RecordAsync(ClaimsPrincipal user, string action, string resource, bool allowed, CancellationToken cancellationToken)
    {
        var entry = AccessAuditEntry.For(user, action, resource, allowed, time.GetUtcNow());
        return database.WriteAsync(session => session.Command("""
                INSERT INTO access_audit (at, principal, role, action, resource, allowed)
                VALUES ($at, $principal, $role, $action, $resource, $allowed)
                """)
            .With("$at", SqliteTime.ToDb(entry.At))
            .With("$principal", entry.Principal)
            .With("$role", entry.Role)
            .With("$action", entry.Action)
            .With("$resource", entry.Resource)
            .With("$allowed", entry.Allowed ? 1 : 0)
            .ExecuteNonQuery(), cancellationToken);
    }

    public Task<IReadOnlyList<AccessAuditEntry>> ReadAsync(int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<AccessAuditEntry>>(session => Entries(session.Command($"{Columns} ORDER BY seq DESC LIMIT $limit").With("$limit", limit)), cancellationToken);

    public Task<IReadOnlyList<AccessAuditEntry>> ReadRangeAsync(DateTimeOffset from, DateTimeOffset until, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<AccessAuditEntry>>(session => Entries(session.Command($"{Columns} WHERE at >= $from AND at < $until ORDER BY seq DESC LIMIT $limit")
            .With("$from", SqliteTime.ToDb(from)).With("$until", SqliteTime.ToDb(until)).With("$limit", limit)), cancellationToken);

    private static List<AccessAuditEntry> Entries(Microsoft.Data.Sqlite.SqliteCommand command)
    {
        var entries = new List<AccessAuditEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new AccessAuditEntry(SqliteTime.FromDb(reader.GetInt64(0)), reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetInt64(5) == 1));
        }
        return entries;
    }
}
