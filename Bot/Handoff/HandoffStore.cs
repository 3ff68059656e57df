using System.Globalization;
using System.Text.Json;
using HandoffBot.Hosting.Access;
using HandoffBot.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace HandoffBot.Handoff;

/// <summary>
/// Handoffs with optimistic concurrency: every change is a transition applied to the stored version and written
/// with one version-checked UPDATE, together with its audit line, in one transaction. Accept is therefore atomic:
/// of many agents accepting at once exactly one wins and the others learn who did.
/// </summary>
public interface IHandoffStore
{
    /// <summary>Stores a newly opened handoff. Fails with <see cref="HandoffError.Conflict"/> when the customer already has an active one.</summary>
    Task<Transition> CreateAsync(Transition opened, HandoffActor actor, CancellationToken cancellationToken);

    Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>The customer's most recent handoff (active or not), or null.</summary>
    Task<HandoffRecord?> GetLatestForCustomerAsync(string customerKey, CancellationToken cancellationToken);

    Task<IReadOnlyList<HandoffRecord>> ListActiveAsync(CancellationToken cancellationToken);

    /// <summary>The active handoff worked in this hub conversation (a Teams thread), or null.</summary>
    Task<HandoffRecord?> FindActiveByHubConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="transition"/> to the current version and stores the result if nobody changed it
    /// meanwhile; on a conflict re-reads and applies it again, so the transition always sees the latest state.
    /// </summary>
    Task<Transition> TryTransitionAsync(string id, Func<HandoffRecord, Transition> transition, HandoffActor actor, CancellationToken cancellationToken);

    /// <summary>Changes data that is not the status (hub thread, card id) under the same version check.</summary>
    Task<HandoffRecord?> UpdateAsync(string id, Func<HandoffRecord, HandoffRecord> change, CancellationToken cancellationToken);

    Task<IReadOnlyList<HandoffAuditEntry>> ReadAuditAsync(string handoffId, CancellationToken cancellationToken);
}

public static class HandoffStoreExtensions
{
    /// <summary>Atomic accept: exactly one of many concurrent claims succeeds; the others get <see cref="HandoffError.AlreadyAccepted"/> naming the winner.</summary>
    public static Task<Transition> TryClaimAsync(this IHandoffStore store, string id, string agentId, string agentName, DateTimeOffset now, CancellationToken cancellationToken) =>
        store.TryTransitionAsync(id, h => h.Accept(agentId, agentName, now), HandoffActor.Agent(agentId, agentName), cancellationToken);
}

internal sealed class SqliteHandoffStore(SqliteDatabase database) : IHandoffStore, IConversationAssignments
{
    private const int MaxAttempts = 50;

    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "handoff";

        public string CreateSql => """
            CREATE TABLE IF NOT EXISTS handoff (
                id               TEXT PRIMARY KEY,
                customer_key     TEXT NOT NULL,
                status           TEXT NOT NULL,
                active           INTEGER NOT NULL,
                version          INTEGER NOT NULL,
                hub_conversation TEXT,
                created_at       TEXT NOT NULL,
                updated_at       TEXT NOT NULL,
                json             TEXT NOT NULL
            );
            CREATE UNIQUE INDEX IF NOT EXISTS ux_handoff_active_customer ON handoff (customer_key) WHERE active = 1;
            CREATE INDEX IF NOT EXISTS ix_handoff_customer ON handoff (customer_key, created_at);
            CREATE INDEX IF NOT EXISTS ix_handoff_hub ON handoff (hub_conversation) WHERE active = 1;
            CREATE TABLE IF NOT EXISTS handoff_audit (
                seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                handoff_id  TEXT NOT NULL,
                at          TEXT NOT NULL,
                actor_kind  TEXT NOT NULL,
                actor_id    TEXT NOT NULL,
                actor_name  TEXT,
                action      TEXT NOT NULL,
                from_status TEXT NOT NULL,
                to_status   TEXT NOT NULL,
                reason      TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_handoff_audit ON handoff_audit (handoff_id, seq);
            """;
    }

    public async Task<Transition> CreateAsync(Transition opened, HandoffActor actor, CancellationToken cancellationToken)
    {
        var record = opened.Value ?? throw new ArgumentException("Only a successful transition can be stored.", nameof(opened));
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO handoff (id, customer_key, status, active, version, hub_conversation, created_at, updated_at, json)
                VALUES ($id, $customer, $status, $active, 1, $hub, $now, $now, $json)
                """;
            var stored = record with { Version = 1 };
            insert.Parameters.AddWithValue("$id", record.Id);
            insert.Parameters.AddWithValue("$customer", record.CustomerKey);
            insert.Parameters.AddWithValue("$status", record.Status.ToString());
            insert.Parameters.AddWithValue("$active", record.IsActive ? 1 : 0);
            insert.Parameters.AddWithValue("$hub", (object?)record.HubThread?.Conversation?.Id ?? DBNull.Value);
            insert.Parameters.AddWithValue("$now", Format(record.UpdatedAt));
            insert.Parameters.AddWithValue("$json", JsonSerializer.Serialize(stored, HandoffJsonContext.Default.HandoffRecord));
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (SqliteException exception) when (exception.SqliteErrorCode == 19)
            {
                return new Transition(null, new HandoffError(HandoffError.Conflict, "This conversation already has a handoff under way."), opened.Action, opened.Reason);
            }
            await AppendAuditAsync(connection, new HandoffAuditEntry(record.Id, record.UpdatedAt, actor, opened.Action, HandoffStatus.Bot, record.Status, opened.Reason), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return opened with { Value = stored };
        }
    }

    public async Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json FROM handoff WHERE id = $p", id, cancellationToken));

    public async Task<HandoffRecord?> GetLatestForCustomerAsync(string customerKey, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json FROM handoff WHERE customer_key = $p ORDER BY active DESC, created_at DESC, rowid DESC LIMIT 1", customerKey, cancellationToken));

    public Task<IReadOnlyList<HandoffRecord>> ListActiveAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT json FROM handoff WHERE active = 1 ORDER BY created_at, rowid", null, cancellationToken);

    public async Task<HandoffRecord?> FindActiveByHubConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json FROM handoff WHERE active = 1 AND hub_conversation = $p LIMIT 1", conversationId, cancellationToken));

    public async Task<Transition> TryTransitionAsync(string id, Func<HandoffRecord, Transition> transition, HandoffActor actor, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await GetAsync(id, cancellationToken);
            if (current is null)
            {
                return new Transition(null, new HandoffError(HandoffError.NotFound, $"There is no handoff '{id}'."), "find", "not found");
            }
            var result = transition(current);
            if (result.Value is not { } next)
            {
                return result;
            }
            var stored = next with { Version = current.Version + 1 };
            var audit = new HandoffAuditEntry(id, next.UpdatedAt, actor, result.Action, current.Status, next.Status, result.Reason);
            if (await TryWriteAsync(current.Version, stored, audit, cancellationToken))
            {
                return result with { Value = stored };
            }
        }
        return new Transition(null, new HandoffError(HandoffError.Conflict, "The handoff kept changing; try again."), "write", "conflict");
    }

    public async Task<HandoffRecord?> UpdateAsync(string id, Func<HandoffRecord, HandoffRecord> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await GetAsync(id, cancellationToken);
            if (current is null)
            {
                return null;
            }
            var changed = change(current);
            if (changed.Status != current.Status)
            {
                throw new InvalidOperationException("A status change must go through a transition.");
            }
            var stored = changed with { Version = current.Version + 1 };
            if (await TryWriteAsync(current.Version, stored, null, cancellationToken))
            {
                return stored;
            }
        }
        return null;
    }

    /// <summary>True when <paramref name="agentId"/> accepted a handoff of the customer conversation <paramref name="conversationId"/> (now or before).</summary>
    public async Task<bool> IsHandledByAsync(string conversationId, string agentId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT 1 FROM handoff
            WHERE json_extract(json, '$.customer.conversation.id') = $conversation AND json_extract(json, '$.agentId') = $agent
            LIMIT 1
            """;
        command.Parameters.AddWithValue("$conversation", conversationId);
        command.Parameters.AddWithValue("$agent", agentId);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public async Task<IReadOnlyList<HandoffAuditEntry>> ReadAuditAsync(string handoffId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason FROM handoff_audit WHERE handoff_id = $id ORDER BY seq";
        command.Parameters.AddWithValue("$id", handoffId);
        var entries = new List<HandoffAuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new HandoffAuditEntry(
                handoffId,
                DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                new HandoffActor(reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)),
                reader.GetString(4),
                Enum.Parse<HandoffStatus>(reader.GetString(5)),
                Enum.Parse<HandoffStatus>(reader.GetString(6)),
                reader.GetString(7)));
        }
        return entries;
    }

    private async Task<bool> TryWriteAsync(long expectedVersion, HandoffRecord stored, HandoffAuditEntry? audit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = """
            UPDATE handoff SET status = $status, active = $active, version = $next, hub_conversation = $hub, updated_at = $now, json = $json
            WHERE id = $id AND version = $version
            """;
        update.Parameters.AddWithValue("$id", stored.Id);
        update.Parameters.AddWithValue("$status", stored.Status.ToString());
        update.Parameters.AddWithValue("$active", stored.IsActive ? 1 : 0);
        update.Parameters.AddWithValue("$next", stored.Version);
        update.Parameters.AddWithValue("$version", expectedVersion);
        update.Parameters.AddWithValue("$hub", (object?)stored.HubThread?.Conversation?.Id ?? DBNull.Value);
        update.Parameters.AddWithValue("$now", Format(stored.UpdatedAt));
        update.Parameters.AddWithValue("$json", JsonSerializer.Serialize(stored, HandoffJsonContext.Default.HandoffRecord));
        if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            return false;
        }
        if (audit is not null)
        {
            await AppendAuditAsync(connection, audit, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task AppendAuditAsync(SqliteConnection connection, HandoffAuditEntry entry, CancellationToken cancellationToken)
    {
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO handoff_audit (handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason)
            VALUES ($id, $at, $kind, $actor, $name, $action, $from, $to, $reason)
            """;
        insert.Parameters.AddWithValue("$id", entry.HandoffId);
        insert.Parameters.AddWithValue("$at", Format(entry.At));
        insert.Parameters.AddWithValue("$kind", entry.Actor.Kind);
        insert.Parameters.AddWithValue("$actor", entry.Actor.Id);
        insert.Parameters.AddWithValue("$name", (object?)entry.Actor.Name ?? DBNull.Value);
        insert.Parameters.AddWithValue("$action", entry.Action);
        insert.Parameters.AddWithValue("$from", entry.From.ToString());
        insert.Parameters.AddWithValue("$to", entry.To.ToString());
        insert.Parameters.AddWithValue("$reason", entry.Reason);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<HandoffRecord>> QueryAsync(string sql, string? parameter, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (parameter is not null)
        {
            command.Parameters.AddWithValue("$p", parameter);
        }
        var records = new List<HandoffRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(JsonSerializer.Deserialize(reader.GetString(0), HandoffJsonContext.Default.HandoffRecord)!);
        }
        return records;
    }

    private static HandoffRecord? First(IReadOnlyList<HandoffRecord> records) => records.Count > 0 ? records[0] : null;

    internal static string Format(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
