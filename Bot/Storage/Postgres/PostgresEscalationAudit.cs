using System.Text.Json;
using HandoffBot.Escalation;

namespace HandoffBot.Storage.Postgres;

/// <summary>Escalation decisions in PostgreSQL (the decision as jsonb), written by the turn's commit.</summary>
internal sealed class PostgresEscalationAuditStore(PostgresDatabase database) : IEscalationAuditStore
{
    internal sealed class Schema() : PostgresSchema("escalation_audit", """
        CREATE TABLE escalation_audit (
            seq              bigserial PRIMARY KEY,
            conversation_key text NOT NULL,
            activity_id      text,
            at               timestamptz NOT NULL,
            escalated        boolean NOT NULL,
            decision_json    jsonb NOT NULL
        );
        CREATE INDEX ix_escalation_audit_conversation ON escalation_audit (conversation_key, seq);
        """);

    public Task<IReadOnlyList<EscalationAuditEntry>> ReadAsync(string conversationKey, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<EscalationAuditEntry>>(async session =>
        {
            await using var command = session.Command("SELECT activity_id, at, escalated, decision_json FROM escalation_audit WHERE conversation_key = @conversation ORDER BY seq")
                .With("conversation", conversationKey);
            return await command.ListAsync(r => new EscalationAuditEntry(conversationKey, r.GetNullableString(0), r.GetTime(1), r.GetBoolean(2),
                JsonSerializer.Deserialize(r.GetString(3), EscalationJsonContext.Default.EscalationDecision)!), cancellationToken);
        }, cancellationToken);
}

/// <summary>Writes an <see cref="EscalationAuditEntry"/> of a turn's commit.</summary>
internal sealed class PostgresEscalationAuditWriter : PostgresTurnRecordWriter<EscalationAuditEntry>
{
    protected override Func<PostgresSession, Task> Prepare(EscalationAuditEntry record)
    {
        var json = JsonSerializer.Serialize(record.Decision, EscalationJsonContext.Default.EscalationDecision);
        return session =>
        {
            session.Defer("""
                INSERT INTO escalation_audit (conversation_key, activity_id, at, escalated, decision_json)
                VALUES (@conversation, @activity, @at, @escalated, @json)
                """)
                .With("conversation", record.ConversationKey).With("activity", record.ActivityId).WithTime("at", record.At)
                .With("escalated", record.Escalated).WithJson("json", json);
            return Task.CompletedTask;
        };
    }
}
