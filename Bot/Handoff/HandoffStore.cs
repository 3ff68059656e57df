using System.Globalization;
using System.Text.Json;
using HandoffBot.Hosting.Access;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace HandoffBot.Handoff;

/// <summary>
/// Handoffs with optimistic concurrency: every change is a transition applied to the stored version and written
/// with one version-checked UPDATE, together with its audit line, in one writer transaction (<see cref="SqliteDatabase.WriteAsync{T}"/>). Accept is therefore atomic:
/// of many agents accepting at once exactly one wins and the others learn who did.
/// </summary>
public interface IHandoffStore
{
    /// <summary>Stores a newly opened handoff. Fails with <see cref="HandoffError.Conflict"/> when the customer already has an active one.</summary>
    Task<Transition> CreateAsync(Transition opened, HandoffActor actor, CancellationToken cancellationToken);

    Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>The handoff without its packet (the small part of the stored JSON), or null.</summary>
    Task<HandoffRecord?> GetWithoutPacketAsync(string id, CancellationToken cancellationToken);

    /// <summary>The customer's most recent handoff (active or not), or null.</summary>
    Task<HandoffRecord?> GetLatestForCustomerAsync(string customerKey, CancellationToken cancellationToken);

    Task<IReadOnlyList<HandoffRecord>> ListActiveAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every active handoff without its packet (<see cref="HandoffRecord.Packet"/> null): the view of restarts and
    /// presence changes, a small part of the stored JSON. Load a record with <see cref="GetAsync"/> to see its packet.
    /// </summary>
    Task<IReadOnlyList<HandoffRecord>> ListActiveWithoutPacketsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// What the once-a-second sweep has to look at, without packets: waiting handoffs, handoffs not announced to the
    /// hub yet, and offers made at or before <paramref name="offeredBy"/>. Indexed: it costs what it returns, not the
    /// number of active handoffs (offers still within their time and conversations with agents are not read).
    /// </summary>
    Task<IReadOnlyList<HandoffRecord>> ListForSweepAsync(DateTimeOffset offeredBy, CancellationToken cancellationToken);

    /// <summary>Handoffs no longer active whose last change was at or after <paramref name="since"/>, without packets, oldest first (the restore of handling times and last agents).</summary>
    Task<IReadOnlyList<HandoffRecord>> ListEndedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The active handoff worked in this hub conversation (a Teams thread), or null.</summary>
    Task<HandoffRecord?> FindActiveByHubConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="transition"/> to the current version and stores the result if nobody changed it
    /// meanwhile; on a conflict re-reads and applies it again, so the transition always sees the latest state.
    /// </summary>
    Task<Transition> TryTransitionAsync(string id, Func<HandoffRecord, Transition> transition, HandoffActor actor, CancellationToken cancellationToken) =>
        TryTransitionAsync(id, transition, actor, null, cancellationToken);

    /// <summary>
    /// As above; <paramref name="consequences"/> makes, from the stored result, the records committed together with the
    /// transition (its outbox message): both are stored or neither, so a crash cannot leave an offer no agent was told of.
    /// Not called when the transition does not happen.
    /// </summary>
    Task<Transition> TryTransitionAsync(string id, Func<HandoffRecord, Transition> transition, HandoffActor actor, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken);

    /// <summary>Changes data that is not the status (hub thread, card id) under the same version check.</summary>
    Task<HandoffRecord?> UpdateAsync(string id, Func<HandoffRecord, HandoffRecord> change, CancellationToken cancellationToken) =>
        UpdateAsync(id, change, null, cancellationToken);

    /// <summary>As above, with <paramref name="consequences"/> (made from the stored result) in the same commit.</summary>
    Task<HandoffRecord?> UpdateAsync(string id, Func<HandoffRecord, HandoffRecord> change, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken);

    Task<IReadOnlyList<HandoffAuditEntry>> ReadAuditAsync(string handoffId, CancellationToken cancellationToken);
}

/// <summary>
/// A handoff opened in a customer's turn (<c>Bot -> Queued</c>, or straight to Unassigned), with its audit line: a
/// record of that turn's commit. If the customer already has an active handoff the commit fails with a state conflict.
/// </summary>
public sealed record HandoffOpened(HandoffRecord Record, HandoffAuditEntry Audit) : ITurnRecord
{
    /// <summary>The record (at version 1) and audit line of a successful opening transition.</summary>
    public static HandoffOpened From(Transition opened, HandoffActor actor)
    {
        var record = (opened.Value ?? throw new ArgumentException("Only a successful transition can be stored.", nameof(opened))) with { Version = 1 };
        return new HandoffOpened(record, new HandoffAuditEntry(record.Id, record.UpdatedAt, actor, opened.Action, HandoffStatus.Bot, record.Status, opened.Reason));
    }
}

/// <summary>
/// A transition made in a customer's turn (their cancel or end), stored in that turn's commit with its audit line: the
/// write checks <see cref="ExpectedVersion"/>, so if an agent changed the handoff meanwhile the whole turn is not stored
/// and runs again on the new state.
/// </summary>
public sealed record HandoffTransitionRecord(long ExpectedVersion, HandoffRecord Next, HandoffAuditEntry Audit) : ITurnRecord;

/// <summary>An audit line that moves nothing (From = To), such as an agent's use of a co-pilot suggestion, in a commit.</summary>
public sealed record HandoffAuditRecord(HandoffAuditEntry Audit) : ITurnRecord;

public static class HandoffStoreExtensions
{
    /// <summary>Atomic accept: exactly one of many concurrent claims succeeds; the others get <see cref="HandoffError.AlreadyAccepted"/> naming the winner.</summary>
    public static Task<Transition> TryClaimAsync(this IHandoffStore store, string id, string agentId, string agentName, DateTimeOffset now, CancellationToken cancellationToken) =>
        store.TryTransitionAsync(id, h => h.Accept(agentId, agentName, now), HandoffActor.Agent(agentId, agentName), cancellationToken);
}

internal sealed class SqliteHandoffStore(SqliteDatabase database, SqliteRecordWriters writers, HandoffBot.Handoff.Events.HandoffEventSignal events) : IHandoffStore, IConversationAssignments
{
    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "handoff";

        public IReadOnlyList<string> Migrations => ["""
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
            CREATE INDEX IF NOT EXISTS ix_handoff_sweep ON handoff (status, json_extract(json, '$.offeredAt')) WHERE active = 1;
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
            """,
            // 2: the audit log is also the handoff event log: message lines (customer, agent, notes) with their
            // idempotency key and text, in the same sequence as the transitions.
            """
            ALTER TABLE handoff_audit ADD COLUMN message_key TEXT;
            ALTER TABLE handoff_audit ADD COLUMN message_kind INTEGER;
            ALTER TABLE handoff_audit ADD COLUMN message_text TEXT;
            CREATE UNIQUE INDEX ux_handoff_audit_message ON handoff_audit (message_key) WHERE message_key IS NOT NULL;
            """];
    }

    public Task<Transition> CreateAsync(Transition opened, HandoffActor actor, CancellationToken cancellationToken)
    {
        var record = HandoffOpened.From(opened, actor);
        var insert = PrepareInsert(record);
        return Notifying(database.WriteAsync(session => insert(session)
            ? opened with { Value = record.Record }
            : new Transition(null, new HandoffError(HandoffError.Conflict, "This conversation already has a handoff under way."), opened.Action, opened.Reason),
            cancellationToken));
    }

    /// <summary>The insert of a newly opened handoff and its audit line; false (nothing written) when the customer already has an active one.</summary>
    internal static Func<SqliteSession, bool> PrepareInsert(HandoffOpened opened)
    {
        var record = opened.Record;
        var json = JsonSerializer.Serialize(record, HandoffJsonContext.Default.HandoffRecord);
        return session =>
        {
            try
            {
                session.Command("""
                    INSERT INTO handoff (id, customer_key, status, active, version, hub_conversation, created_at, updated_at, json)
                    VALUES ($id, $customer, $status, $active, $version, $hub, $now, $now, $json)
                    """)
                    .With("$id", record.Id)
                    .With("$customer", record.CustomerKey)
                    .With("$status", record.Status.ToString())
                    .With("$active", record.IsActive ? 1 : 0)
                    .With("$version", record.Version)
                    .With("$hub", record.HubThread?.Conversation?.Id)
                    .With("$now", Format(record.UpdatedAt))
                    .With("$json", json)
                    .ExecuteNonQuery();
            }
            catch (SqliteException exception) when (exception.SqliteErrorCode == 19)
            {
                return false;
            }
            AppendAudit(session, opened.Audit);
            SqliteAnalyticsFacts.Apply(session, record, opened.Audit);
            return true;
        };
    }

    public async Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json FROM handoff WHERE id = $p", id, cancellationToken));

    public async Task<HandoffRecord?> GetWithoutPacketAsync(string id, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json_remove(json, '$.packet') FROM handoff WHERE id = $p", id, cancellationToken));

    public async Task<HandoffRecord?> GetLatestForCustomerAsync(string customerKey, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json FROM handoff WHERE customer_key = $p ORDER BY active DESC, created_at DESC, rowid DESC LIMIT 1", customerKey, cancellationToken));

    public Task<IReadOnlyList<HandoffRecord>> ListActiveAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT json FROM handoff WHERE active = 1 ORDER BY created_at, rowid", null, cancellationToken);

    // SQLite drops the packet (most of the document) before .NET parses anything.
    public Task<IReadOnlyList<HandoffRecord>> ListActiveWithoutPacketsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT json_remove(json, '$.packet') FROM handoff WHERE active = 1 ORDER BY created_at, rowid", null, cancellationToken);

    // Three index searches (EXPLAIN QUERY PLAN: ix_handoff_sweep on status, ix_handoff_hub, ix_handoff_sweep on status
    // and offeredAt); timestamps are UTC round-trip text, so they compare as text.
    public Task<IReadOnlyList<HandoffRecord>> ListForSweepAsync(DateTimeOffset offeredBy, CancellationToken cancellationToken) =>
        QueryAsync("""
            SELECT json_remove(json, '$.packet') FROM handoff WHERE rowid IN (
                SELECT rowid FROM handoff WHERE active = 1 AND status = 'Queued'
                UNION SELECT rowid FROM handoff WHERE active = 1 AND hub_conversation IS NULL
                UNION SELECT rowid FROM handoff WHERE active = 1 AND status = 'Offered' AND json_extract(json, '$.offeredAt') <= $p)
            ORDER BY created_at, rowid
            """, Format(offeredBy), cancellationToken);

    public Task<IReadOnlyList<HandoffRecord>> ListEndedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        QueryAsync("SELECT json_remove(json, '$.packet') FROM handoff WHERE active = 0 AND updated_at >= $p ORDER BY updated_at, rowid", Format(since), cancellationToken);

    public async Task<HandoffRecord?> FindActiveByHubConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json FROM handoff WHERE active = 1 AND hub_conversation = $p LIMIT 1", conversationId, cancellationToken));

    /// <summary>
    /// Reads the current version, applies the transition and writes it with its audit line, all inside one writer
    /// transaction: concurrent transitions of one handoff run one after the other, each seeing the previous result.
    /// </summary>
    public Task<Transition> TryTransitionAsync(string id, Func<HandoffRecord, Transition> transition, HandoffActor actor, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken) =>
        HandoffBot.Telemetry.HandoffTelemetry.TraceTransitionAsync(id, () => Notifying(database.WriteAsync(session =>
        {
            var current = ReadOne(session, id);
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
            if (!TryWrite(session, current.Version, stored))
            {
                return new Transition(null, new HandoffError(HandoffError.Conflict, "The handoff kept changing; try again."), "write", "conflict");
            }
            var audit = new HandoffAuditEntry(id, next.UpdatedAt, actor, result.Action, current.Status, next.Status, result.Reason);
            AppendAudit(session, audit);
            SqliteAnalyticsFacts.Apply(session, stored, audit);
            writers.Write(session, consequences?.Invoke(stored));
            return result with { Value = stored };
        }, cancellationToken)));

    /// <summary>A committed transition is an event: the feed publishes it now.</summary>
    private async Task<Transition> Notifying(Task<Transition> write)
    {
        var result = await write;
        if (result.Succeeded)
        {
            events.Notify();
        }
        return result;
    }

    public Task<HandoffRecord?> UpdateAsync(string id, Func<HandoffRecord, HandoffRecord> change, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken) =>
        database.WriteAsync(session =>
        {
            var current = ReadOne(session, id);
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
            if (!TryWrite(session, current.Version, stored))
            {
                return null;
            }
            writers.Write(session, consequences?.Invoke(stored));
            return stored;
        }, cancellationToken);

    /// <summary>True when <paramref name="agentId"/> accepted a handoff of the customer conversation <paramref name="conversationId"/> (now or before).</summary>
    public Task<bool> IsHandledByAsync(string conversationId, string agentId, CancellationToken cancellationToken) =>
        database.ReadAsync(session => session.Command("""
                SELECT 1 FROM handoff
                WHERE json_extract(json, '$.customer.conversation.id') = $conversation AND json_extract(json, '$.agentId') = $agent
                LIMIT 1
                """)
            .With("$conversation", conversationId)
            .With("$agent", agentId)
            .ExecuteScalar() is not null, cancellationToken);

    public Task<IReadOnlyList<HandoffAuditEntry>> ReadAuditAsync(string handoffId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<HandoffAuditEntry>>(session =>
        {
            var entries = new List<HandoffAuditEntry>();
            using var reader = session.Command("SELECT at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason FROM handoff_audit WHERE handoff_id = $id AND message_key IS NULL ORDER BY seq")
                .With("$id", handoffId)
                .ExecuteReader();
            while (reader.Read())
            {
                entries.Add(new HandoffAuditEntry(
                    handoffId,
                    DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    new HandoffActor(HandoffActorKinds.Parse(reader.GetString(1)), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)),
                    reader.GetString(4),
                    Enum.Parse<HandoffStatus>(reader.GetString(5)),
                    Enum.Parse<HandoffStatus>(reader.GetString(6)),
                    reader.GetString(7)));
            }
            return entries;
        }, cancellationToken);

    private static HandoffRecord? ReadOne(SqliteSession session, string id) =>
        session.Command("SELECT json FROM handoff WHERE id = $p").With("$p", id).ExecuteScalar() is string json
            ? JsonSerializer.Deserialize(json, HandoffJsonContext.Default.HandoffRecord)
            : null;

    internal static bool TryWrite(SqliteSession session, long expectedVersion, HandoffRecord stored) =>
        session.Command("""
            UPDATE handoff SET status = $status, active = $active, version = $next, hub_conversation = $hub, updated_at = $now, json = $json
            WHERE id = $id AND version = $version
            """)
            .With("$id", stored.Id)
            .With("$status", stored.Status.ToString())
            .With("$active", stored.IsActive ? 1 : 0)
            .With("$next", stored.Version)
            .With("$version", expectedVersion)
            .With("$hub", stored.HubThread?.Conversation?.Id)
            .With("$now", Format(stored.UpdatedAt))
            .With("$json", JsonSerializer.Serialize(stored, HandoffJsonContext.Default.HandoffRecord))
            .ExecuteNonQuery() == 1;

    internal static void AppendAudit(SqliteSession session, HandoffAuditEntry entry) =>
        session.Command("""
            INSERT INTO handoff_audit (handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason)
            VALUES ($id, $at, $kind, $actor, $name, $action, $from, $to, $reason)
            """)
            .With("$id", entry.HandoffId)
            .With("$at", Format(entry.At))
            .With("$kind", entry.Actor.Kind.Name())
            .With("$actor", entry.Actor.Id)
            .With("$name", entry.Actor.Name)
            .With("$action", entry.Action)
            .With("$from", entry.From.ToString())
            .With("$to", entry.To.ToString())
            .With("$reason", entry.Reason)
            .ExecuteNonQuery();

    private Task<IReadOnlyList<HandoffRecord>> QueryAsync(string sql, string? parameter, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<HandoffRecord>>(session =>
        {
            var command = session.Command(sql);
            if (parameter is not null)
            {
                command.With("$p", parameter);
            }
            var records = new List<HandoffRecord>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                records.Add(JsonSerializer.Deserialize(reader.GetString(0), HandoffJsonContext.Default.HandoffRecord)!);
            }
            return records;
        }, cancellationToken);

    private static HandoffRecord? First(IReadOnlyList<HandoffRecord> records) => records.Count > 0 ? records[0] : null;

    internal static string Format(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
