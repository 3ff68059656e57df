using System.Security.Claims;
using HandoffBot.Hosting.Access;
using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>The access audit in PostgreSQL: <c>timestamptz</c> (µs), an index on <c>at</c>, newest first by <c>seq</c>.</summary>
internal sealed class PostgresAccessAudit(PostgresDatabase database, TimeProvider time) : IAccessAudit
{
    private const string Columns = "SELECT at, principal, role, action, resource, allowed FROM access_audit";

    internal sealed class Schema() : PostgresSchema("access_audit", """
        CREATE TABLE access_audit (
            seq       bigserial PRIMARY KEY,
            at        timestamptz NOT NULL,
            principal text NOT NULL,
            role      text NOT NULL,
            action    text NOT NULL,
            resource  text NOT NULL,
            allowed   boolean NOT NULL
        );
        CREATE INDEX ix_access_audit_at ON access_audit (at);
        """);

    public Task RecordAsync(ClaimsPrincipal user, string action, string resource, bool allowed, CancellationToken cancellationToken)
    {
        var entry = AccessAuditEntry.For(user, action, resource, allowed, time.GetUtcNow());
        return database.WriteAsync(async session =>
        {
            await using var command = session.Command("""
                INSERT INTO access_audit (at, principal, role, action, resource, allowed)
                VALUES (@at, @principal, @role, @action, @resource, @allowed)
                """)
                .WithTime("at", entry.At)
                .With("principal", entry.Principal)
                .With("role", entry.Role)
                .With("action", entry.Action)
                .With("resource", entry.Resource)
                .With("allowed", entry.Allowed);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<AccessAuditEntry>> ReadAsync(int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<AccessAuditEntry>>(async session =>
        {
            await using var command = session.Command($"{Columns} ORDER BY seq DESC LIMIT @limit").With("limit", limit);
            return await command.ListAsync(Entry, cancellationToken);
        }, cancellationToken);

    public Task<IReadOnlyList<AccessAuditEntry>> ReadRangeAsync(DateTimeOffset from, DateTimeOffset until, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<AccessAuditEntry>>(async session =>
        {
            await using var command = session.Command($"{Columns} WHERE at >= @from AND at < @until ORDER BY seq DESC LIMIT @limit")
                .WithTime("from", from).WithTime("until", until).With("limit", limit);
            return await command.ListAsync(Entry, cancellationToken);
        }, cancellationToken);

    private static AccessAuditEntry Entry(NpgsqlDataReader reader) =>
        new(reader.GetTime(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetBoolean(5));
}
