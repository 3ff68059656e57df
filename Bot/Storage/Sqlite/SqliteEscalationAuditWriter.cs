using System.Text.Json;
using HandoffBot.Escalation;

namespace HandoffBot.Storage.Sqlite;

/// <summary>Writes an <see cref="EscalationAuditEntry"/> of a turn's commit into <c>escalation_audit</c>.</summary>
internal sealed class SqliteEscalationAuditWriter : SqliteTurnRecordWriter<EscalationAuditEntry>
{
    protected override Action<SqliteSession> Prepare(EscalationAuditEntry record)
    {
        var at = SqliteTime.ToDb(record.At);
        var json = JsonSerializer.Serialize(record.Decision, EscalationJsonContext.Default.EscalationDecision);
        return session => session
            .Command("""
                INSERT INTO escalation_audit (conversation_key, activity_id, at, escalated, decision_json)
                VALUES ($conversation, $activity, $at, $escalated, $json)
                """)
            .With("$conversation", record.ConversationKey)
            .With("$activity", record.ActivityId)
            .With("$at", at)
            .With("$escalated", record.Escalated ? 1 : 0)
            .With("$json", json)
            .ExecuteNonQuery();
    }
}
