using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// The statements on <c>handoff</c> and <c>handoff_audit</c> shared by the store and the turn-record writers.
/// Audit lines are queued (<see cref="QueueAudit"/>) and inserted as the transaction's last statements, after one
/// advisory lock, in one round trip right before the commit (<see cref="PostgresSession.AddToTail"/>): sequence numbers
/// are handed out under the lock, which is released only once the transaction committed, so they follow commit order
/// and a reader of the event log that saw sequence n never misses a smaller one committed later. The lock is the last
/// one a transaction takes and nothing waits after it (no deadlock); row locks come first, the handoff row before its
/// analytics row. Held for one round trip and the commit, not for the whole transaction (2026-12-03, issue 13 item 7).
/// </summary>
internal static class PostgresHandoffRows
{
    internal sealed class Schema() : PostgresSchema("handoff", """
        CREATE TABLE handoff (
            seq              bigserial UNIQUE,
            id               text PRIMARY KEY,
            customer_key     text NOT NULL,
            status           text NOT NULL,
            active           boolean NOT NULL,
            version          bigint NOT NULL,
            hub_conversation text,
            offered_at       timestamptz,
            created_at       timestamptz NOT NULL,
            updated_at       timestamptz NOT NULL,
            json             jsonb NOT NULL
        );
        CREATE UNIQUE INDEX ux_handoff_active_customer ON handoff (customer_key) WHERE active;
        CREATE INDEX ix_handoff_customer ON handoff (customer_key, created_at);
        CREATE INDEX ix_handoff_hub ON handoff (hub_conversation) WHERE active;
        CREATE INDEX ix_handoff_sweep ON handoff (status, offered_at) WHERE active;
        CREATE INDEX ix_handoff_ended ON handoff (updated_at) WHERE NOT active;
        CREATE TABLE handoff_audit (
            seq          bigserial PRIMARY KEY,
            handoff_id   text NOT NULL,
            at           timestamptz NOT NULL,
            actor_kind   text NOT NULL,
            actor_id     text NOT NULL,
            actor_name   text,
            action       text NOT NULL,
            from_status  text NOT NULL,
            to_status    text NOT NULL,
            reason       text NOT NULL,
            message_key  text,
            message_kind integer,
            message_text text
        );
        CREATE INDEX ix_handoff_audit ON handoff_audit (handoff_id, seq);
        CREATE UNIQUE INDEX ux_handoff_audit_message ON handoff_audit (message_key) WHERE message_key IS NOT NULL;
        """);

    private const string AuditLock = "handoffbot.handoff_audit";

    // Each audit line tells the other instances' console feeds its seq in the same statement (NOTIFY is sent at commit).
    private static readonly string AuditInsert = InsertAuditAndNotify("""
        INSERT INTO handoff_audit (handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason)
        VALUES (@id, @at, @kind, @actor, @name, @action, @from, @to, @reason)
        """);

    private static readonly string MessageInsert = InsertAuditAndNotify("""
        INSERT INTO handoff_audit (handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason, message_key, message_kind, message_text)
        VALUES (@id, @at, @kind, @actor, @name, @action, @status, @status, '', @key, @messageKind, @text)
        ON CONFLICT DO NOTHING
        """);

    /// <summary>Inserts a newly opened handoff and its audit line; false (nothing written) when the customer already has an active one.</summary>
    public static Func<PostgresSession, Task<bool>> PrepareInsert(HandoffOpened opened)
    {
        var record = opened.Record;
        var json = JsonSerializer.Serialize(record, HandoffJsonContext.Default.HandoffRecord);
        return async session =>
        {
            var insert = new NpgsqlBatchCommand("""
                INSERT INTO handoff (id, customer_key, status, active, version, hub_conversation, offered_at, created_at, updated_at, json)
                VALUES (@id, @customer, @status, @active, @version, @hub, @offered, @now, @now, @json)
                ON CONFLICT DO NOTHING
                """)
                .With("id", record.Id)
                .With("customer", record.CustomerKey)
                .With("status", record.Status.ToString())
                .With("active", record.IsActive)
                .With("version", record.Version)
                .With("hub", record.HubThread?.Conversation?.Id)
                .WithTime("offered", record.OfferedAt)
                .WithTime("now", record.UpdatedAt)
                .WithJson("json", json);
            if (await session.ExecuteAsync(insert) == 0)
            {
                return false;
            }
            QueueAudit(session, opened.Audit);
            PostgresAnalyticsFacts.Apply(session, record, opened.Audit);
            NotifyChanged(session, record.Id);
            return true;
        };
    }

    /// <summary>The channel other instances LISTEN on for handoff changes of this schema (the payload carries ids only).</summary>
    internal const string ChangeChannel = "handoffbot.handoff.";

    /// <summary>The subject of a change of the roster (presence, capacity) instead of a handoff id.</summary>
    internal const string AgentsSubject = "@agents";

    /// <summary>The subject of a new event-log line: "<c>@event:{seq}</c>" (the line's sequence only, for the console feeds).</summary>
    internal const string EventSubject = "@event:";

    /// <summary>
    /// <paramref name="insert"/> (one <c>INSERT INTO handoff_audit</c>, without RETURNING) and, for each line it wrote,
    /// a NOTIFY "<c>@event:{seq} {application_name}</c>" sent when the transaction commits: nothing for a line that
    /// was not written (a message key already stored).
    /// </summary>
    internal static string InsertAuditAndNotify(string insert) => $"""
        WITH line AS ({insert} RETURNING seq)
        SELECT pg_notify('{ChangeChannel}' || current_schema(), '{EventSubject}' || seq::text || ' ' || current_setting('application_name')) FROM line
        """;

    /// <summary>Parses the sequence of an event-log subject; false for any other subject.</summary>
    internal static bool TryParseEventSubject(ReadOnlySpan<char> subject, out long sequence)
    {
        sequence = 0;
        return subject.StartsWith(EventSubject, StringComparison.Ordinal)
            && long.TryParse(subject[EventSubject.Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence);
    }

    /// <summary>
    /// Tells the other instances, when this transaction commits (NOTIFY is transactional), that a handoff (or, with
    /// <see cref="AgentsSubject"/>, the roster) changed: payload "<c>{subject} {application_name}</c>" (the sender, so an
    /// instance skips its own changes). Deferred to the transaction's next round trip.
    /// </summary>
    internal static void NotifyChanged(PostgresSession session, string subject) =>
        session.Defer($"SELECT pg_notify('{ChangeChannel}' || current_schema(), @subject || ' ' || current_setting('application_name'))").With("subject", subject);

    /// <summary>The version-checked update of a stored handoff; false when its version moved on.</summary>
    public static async Task<bool> TryWriteAsync(PostgresSession session, long expectedVersion, HandoffRecord stored)
    {
        var update = new NpgsqlBatchCommand("""
            UPDATE handoff SET status = @status, active = @active, version = @next, hub_conversation = @hub, offered_at = @offered, updated_at = @now, json = @json
            WHERE id = @id AND version = @version
            """)
            .With("id", stored.Id)
            .With("status", stored.Status.ToString())
            .With("active", stored.IsActive)
            .With("next", stored.Version)
            .With("version", expectedVersion)
            .With("hub", stored.HubThread?.Conversation?.Id)
            .WithTime("offered", stored.OfferedAt)
            .WithTime("now", stored.UpdatedAt)
            .WithJson("json", JsonSerializer.Serialize(stored, HandoffJsonContext.Default.HandoffRecord));
        if (await session.ExecuteAsync(update) != 1)
        {
            return false;
        }
        NotifyChanged(session, stored.Id);
        return true;
    }

    /// <summary>Queues an audit line for the end of the transaction (under the audit lock, right before the commit).</summary>
    public static void QueueAudit(PostgresSession session, HandoffAuditEntry entry) => session.AddToTail(AuditLock, new NpgsqlBatchCommand(AuditInsert)
        .With("id", entry.HandoffId).With("at", PostgresTime.ToDb(entry.At)).With("kind", entry.Actor.Kind.Name()).With("actor", entry.Actor.Id)
        .With("name", entry.Actor.Name).With("action", entry.Action).With("from", entry.From.ToString()).With("to", entry.To.ToString()).With("reason", entry.Reason));

    /// <summary>Queues a relayed message or note for the end of the transaction, once per message key.</summary>
    public static void QueueMessage(PostgresSession session, HandoffMessageRecord record)
    {
        var action = record.Message.Kind == HandoffMessageKind.Note ? HandoffEvent.NoteAction : HandoffEvent.MessageAction;
        var status = record.Status.ToString();
        session.AddToTail(AuditLock, new NpgsqlBatchCommand(MessageInsert)
            .With("id", record.HandoffId).With("at", PostgresTime.ToDb(record.At)).With("kind", record.Actor.Kind.Name()).With("actor", record.Actor.Id)
            .With("name", record.Actor.Name).With("action", action).With("status", status).With("key", record.Message.Key)
            .With("messageKind", (int)record.Message.Kind).With("text", record.Message.Text));
    }

    /// <summary>Locks the handoff row until the transaction ends (for writers that change only its dependent rows: lock order).</summary>
    public static Task LockRowAsync(PostgresSession session, string id) =>
        session.ExecuteAsync("SELECT 1 FROM handoff WHERE id = @id FOR UPDATE", ("id", id));

    /// <summary>The stored handoff, its row locked until the transaction ends; null when there is none.</summary>
    public static async Task<HandoffRecord?> ReadLockedAsync(PostgresSession session, string id)
    {
        await session.FlushAsync();
        await using var read = session.Command("SELECT json FROM handoff WHERE id = @id FOR UPDATE").With("id", id);
        return await read.ExecuteScalarAsync(session.CancellationToken) is string json
            ? JsonSerializer.Deserialize(json, HandoffJsonContext.Default.HandoffRecord)
            : null;
    }
}

/// <summary>Writes a <see cref="HandoffOpened"/> of a turn's commit; a second active handoff for the customer is a state conflict.</summary>
internal sealed class PostgresHandoffOpenedWriter : PostgresTurnRecordWriter<HandoffOpened>
{
    protected override Func<PostgresSession, Task> Prepare(HandoffOpened record)
    {
        var insert = PostgresHandoffRows.PrepareInsert(record);
        return async session =>
        {
            if (!await insert(session))
            {
                throw new StateConflictException(record.Record.CustomerKey, null);
            }
        };
    }
}

/// <summary>Writes a <see cref="HandoffTransitionRecord"/> of a turn's commit; a changed version is a state conflict.</summary>
internal sealed class PostgresHandoffTransitionWriter : PostgresTurnRecordWriter<HandoffTransitionRecord>
{
    protected override Func<PostgresSession, Task> Prepare(HandoffTransitionRecord record) => async session =>
    {
        if (!await PostgresHandoffRows.TryWriteAsync(session, record.ExpectedVersion, record.Next))
        {
            throw new StateConflictException(record.Next.CustomerKey, record.ExpectedVersion);
        }
        PostgresHandoffRows.QueueAudit(session, record.Audit);
        PostgresAnalyticsFacts.Apply(session, record.Next, record.Audit);
    };
}

/// <summary>Writes a <see cref="HandoffAuditRecord"/> of a commit (e.g. a co-pilot suggestion used): one audit line, the handoff itself unchanged.</summary>
internal sealed class PostgresHandoffAuditWriter : PostgresTurnRecordWriter<HandoffAuditRecord>
{
    protected override Func<PostgresSession, Task> Prepare(HandoffAuditRecord record) => session =>
    {
        PostgresHandoffRows.QueueAudit(session, record.Audit);
        return Task.CompletedTask;
    };
}

/// <summary>Writes a <see cref="HandoffMessageRecord"/> into the audit log once per message key.</summary>
internal sealed class PostgresHandoffMessageWriter : PostgresTurnRecordWriter<HandoffMessageRecord>
{
    protected override Func<PostgresSession, Task> Prepare(HandoffMessageRecord record) => session =>
    {
        PostgresHandoffRows.QueueMessage(session, record);
        return Task.CompletedTask;
    };
}
