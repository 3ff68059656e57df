using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Hosting.Access;
using Microsoft.Data.Sqlite;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// <see cref="IHandoffStore"/> on SQLite: the handoff row (its document as JSON, the columns the queries need) and the
/// audit log, which is also the event log. Every change is one version-checked write in the writer's transaction.
/// </summary>
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
            """,
            // 3: the one timestamp representation (SqliteTime: INTEGER microseconds UTC) for the handoff's times and
            // the audit's, which were round-trip text; the offer's time becomes a column, so the sweep compares numbers
            // instead of text taken out of the JSON. SQLite cannot change a column's type, so both tables are rebuilt
            // (rows, seq values and the AUTOINCREMENT counter kept). utc_micros is SqliteMigrator's text-to-SqliteTime
            // conversion. The co-pilot index of the analytics schema lived on the old audit table and is made again.
            """
            CREATE TABLE handoff_new (
                id               TEXT PRIMARY KEY,
                customer_key     TEXT NOT NULL,
                status           TEXT NOT NULL,
                active           INTEGER NOT NULL,
                version          INTEGER NOT NULL,
                hub_conversation TEXT,
                created_at       INTEGER NOT NULL,
                updated_at       INTEGER NOT NULL,
                offered_at       INTEGER,
                json             TEXT NOT NULL
            );
            INSERT INTO handoff_new (rowid, id, customer_key, status, active, version, hub_conversation, created_at, updated_at, offered_at, json)
                SELECT rowid, id, customer_key, status, active, version, hub_conversation, utc_micros(created_at), utc_micros(updated_at),
                       utc_micros(json_extract(json, '$.offeredAt')), json
                FROM handoff;
            DROP TABLE handoff;
            ALTER TABLE handoff_new RENAME TO handoff;
            CREATE UNIQUE INDEX ux_handoff_active_customer ON handoff (customer_key) WHERE active = 1;
            CREATE INDEX ix_handoff_customer ON handoff (customer_key, created_at);
            CREATE INDEX ix_handoff_hub ON handoff (hub_conversation) WHERE active = 1;
            CREATE INDEX ix_handoff_sweep ON handoff (status, offered_at) WHERE active = 1;
            CREATE INDEX ix_handoff_ended ON handoff (updated_at) WHERE active = 0;
            CREATE TABLE handoff_audit_new (
                seq          INTEGER PRIMARY KEY AUTOINCREMENT,
                handoff_id   TEXT NOT NULL,
                at           INTEGER NOT NULL,
                actor_kind   TEXT NOT NULL,
                actor_id     TEXT NOT NULL,
                actor_name   TEXT,
                action       TEXT NOT NULL,
                from_status  TEXT NOT NULL,
                to_status    TEXT NOT NULL,
                reason       TEXT NOT NULL,
                message_key  TEXT,
                message_kind INTEGER,
                message_text TEXT
            );
            INSERT INTO handoff_audit_new (seq, handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason, message_key, message_kind, message_text)
                SELECT seq, handoff_id, utc_micros(at), actor_kind, actor_id, actor_name, action, from_status, to_status, reason, message_key, message_kind, message_text
                FROM handoff_audit;
            UPDATE sqlite_sequence SET seq = max(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'handoff_audit'), 0)) WHERE name = 'handoff_audit_new';
            DROP TABLE handoff_audit;
            ALTER TABLE handoff_audit_new RENAME TO handoff_audit;
            CREATE INDEX ix_handoff_audit ON handoff_audit (handoff_id, seq);
            CREATE UNIQUE INDEX ux_handoff_audit_message ON handoff_audit (message_key) WHERE message_key IS NOT NULL;
            CREATE INDEX IF NOT EXISTS ix_handoff_audit_copilot ON handoff_audit (at) WHERE action IN ('copilot.used', 'copilot.dismissed');
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
                    INSERT INTO handoff (id, customer_key, status, active, version, hub_conversation, created_at, updated_at, offered_at, json)
                    VALUES ($id, $customer, $status, $active, $version, $hub, $now, $now, $offered, $json)
                    """)
                    .With("$id", record.Id)
                    .With("$customer", record.CustomerKey)
                    .With("$status", record.Status.ToString())
                    .With("$active", record.IsActive ? 1 : 0)
                    .With("$version", record.Version)
                    .With("$hub", record.HubThread?.Conversation?.Id)
                    .With("$now", SqliteTime.ToDb(record.UpdatedAt))
                    .With("$offered", SqliteTime.ToDb(record.OfferedAt))
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
    // and offered_at).
    public Task<IReadOnlyList<HandoffRecord>> ListForSweepAsync(DateTimeOffset offeredBy, CancellationToken cancellationToken) =>
        QueryAsync("""
            SELECT json_remove(json, '$.packet') FROM handoff WHERE rowid IN (
                SELECT rowid FROM handoff WHERE active = 1 AND status = 'Queued'
                UNION SELECT rowid FROM handoff WHERE active = 1 AND hub_conversation IS NULL
                UNION SELECT rowid FROM handoff WHERE active = 1 AND status = 'Offered' AND offered_at <= $p)
            ORDER BY created_at, rowid
            """, SqliteTime.ToDb(offeredBy), cancellationToken);

    public Task<IReadOnlyList<HandoffRecord>> ListEndedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        QueryAsync("SELECT json_remove(json, '$.packet') FROM handoff WHERE active = 0 AND updated_at >= $p ORDER BY updated_at, rowid", SqliteTime.ToDb(since), cancellationToken);

    public async Task<HandoffRecord?> FindActiveByHubConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json FROM handoff WHERE active = 1 AND hub_conversation = $p LIMIT 1", conversationId, cancellationToken));

    /// <summary>
    /// Reads the current version, applies the transition and writes it with its audit line, all inside one writer
    /// transaction: concurrent transitions of one handoff run one after the other, each seeing the previous result.
    /// </summary>
    public Task<Transition> TryTransitionAsync(string id, Func<HandoffRecord, Transition> transition, HandoffActor actor, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken) =>
        HandoffBot.Telemetry.HandoffTelemetry.TraceTransitionAsync(id, () => Notifying(database.WriteAsync(session =>
        {
            var change = HandoffChanges.Transition(id, ReadOne(session, id), transition, actor);
            if (change is not { Stored: { } stored, Audit: { } audit })
            {
                return change.Result;
            }
            if (!TryWrite(session, change.ExpectedVersion, stored))
            {
                return HandoffChanges.Conflict;
            }
            AppendAudit(session, audit);
            SqliteAnalyticsFacts.Apply(session, stored, audit);
            writers.Write(session, consequences?.Invoke(stored));
            return change.Result;
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
            if (HandoffChanges.Update(current, change) is not { } stored || !TryWrite(session, current!.Version, stored))
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
                    SqliteTime.FromDb(reader.GetInt64(0)),
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
            UPDATE handoff SET status = $status, active = $active, version = $next, hub_conversation = $hub, updated_at = $now, offered_at = $offered, json = $json
            WHERE id = $id AND version = $version
            """)
            .With("$id", stored.Id)
            .With("$status", stored.Status.ToString())
            .With("$active", stored.IsActive ? 1 : 0)
            .With("$next", stored.Version)
            .With("$version", expectedVersion)
            .With("$hub", stored.HubThread?.Conversation?.Id)
            .With("$now", SqliteTime.ToDb(stored.UpdatedAt))
            .With("$offered", SqliteTime.ToDb(stored.OfferedAt))
            .With("$json", JsonSerializer.Serialize(stored, HandoffJsonContext.Default.HandoffRecord))
            .ExecuteNonQuery() == 1;

    internal static void AppendAudit(SqliteSession session, HandoffAuditEntry entry) =>
        session.Command("""
            INSERT INTO handoff_audit (handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason)
            VALUES ($id, $at, $kind, $actor, $name, $action, $from, $to, $reason)
            """)
            .With("$id", entry.HandoffId)
            .With("$at", SqliteTime.ToDb(entry.At))
            .With("$kind", entry.Actor.Kind.Name())
            .With("$actor", entry.Actor.Id)
            .With("$name", entry.Actor.Name)
            .With("$action", entry.Action)
            .With("$from", entry.From.ToString())
            .With("$to", entry.To.ToString())
            .With("$reason", entry.Reason)
            .ExecuteNonQuery();

    private Task<IReadOnlyList<HandoffRecord>> QueryAsync(string sql, object? parameter, CancellationToken cancellationToken) =>
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
}
