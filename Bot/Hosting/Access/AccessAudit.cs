using System.Security.Claims;
using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Hosting.Access;

/// <summary>One access decision: who read (or tried to read) what, when, and whether it was allowed.</summary>
public sealed record AccessAuditEntry(DateTimeOffset At, string Principal, string Role, string Action, string Resource, bool Allowed);

/// <summary>The audit log of reads of sensitive data (transcripts) and other access decisions.</summary>
public interface IAccessAudit
{
    Task RecordAsync(ClaimsPrincipal user, string action, string resource, bool allowed, CancellationToken cancellationToken);

    Task<IReadOnlyList<AccessAuditEntry>> ReadAsync(int limit, CancellationToken cancellationToken);
}

internal sealed class SqliteAccessAudit(SqliteDatabase database, TimeProvider time) : IAccessAudit
{
    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "access_audit";

        public IReadOnlyList<string> Migrations => ["""
            CREATE TABLE IF NOT EXISTS access_audit (
                seq       INTEGER PRIMARY KEY AUTOINCREMENT,
                at        TEXT NOT NULL,
                principal TEXT NOT NULL,
                role      TEXT NOT NULL,
                action    TEXT NOT NULL,
                resource  TEXT NOT NULL,
                allowed   INTEGER NOT NULL
            );
            """];
    }

    public async Task RecordAsync(ClaimsPrincipal user, string action, string resource, bool allowed, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO access_audit (at, principal, role, action, resource, allowed) VALUES ($at, $principal, $role, $action, $resource, $allowed)";
        command.Parameters.AddWithValue("$at", time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$principal", user.Identity?.Name ?? "(anonymous)");
        command.Parameters.AddWithValue("$role", AccessRoles.All.LastOrDefault(user.IsInRole) ?? "(none)");
        command.Parameters.AddWithValue("$action", action);
        command.Parameters.AddWithValue("$resource", resource);
        command.Parameters.AddWithValue("$allowed", allowed ? 1 : 0);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AccessAuditEntry>> ReadAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT at, principal, role, action, resource, allowed FROM access_audit ORDER BY seq DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        var entries = new List<AccessAuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AccessAuditEntry(DateTimeOffset.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture),
                reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5) == 1));
        }
        return entries;
    }
}
