using System.Text.Json;
using HandoffBot.Pipeline;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Escalation;

/// <summary>One stored escalation decision: which turn, when, and the decision as JSON.</summary>
public sealed record EscalationAuditEntry(string ConversationKey, string? ActivityId, DateTimeOffset At, bool Escalated, EscalationDecision Decision);

/// <summary>Every escalation decision, kept with its turn for audit.</summary>
public interface IEscalationAuditStore
{
    /// <summary>The entry as a row of its turn's commit (<see cref="TurnWrites.AddRecord"/>): written with the turn, or not at all.</summary>
    ITurnRecord Record(EscalationAuditEntry entry);

    /// <summary>Writes the entry on its own (outside a turn's commit).</summary>
    Task AppendAsync(EscalationAuditEntry entry, CancellationToken cancellationToken);

    Task<IReadOnlyList<EscalationAuditEntry>> ReadAsync(string conversationKey, CancellationToken cancellationToken);
}

internal sealed class SqliteEscalationAuditStore(SqliteDatabase database) : IEscalationAuditStore
{
    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "escalation_audit";

        public IReadOnlyList<string> Migrations => ["""
            CREATE TABLE IF NOT EXISTS escalation_audit (
                seq              INTEGER PRIMARY KEY AUTOINCREMENT,
                conversation_key TEXT NOT NULL,
                activity_id      TEXT,
                at               TEXT NOT NULL,
                escalated        INTEGER NOT NULL,
                decision_json    TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_escalation_audit_conversation ON escalation_audit (conversation_key, seq);
            """];
    }

    public ITurnRecord Record(EscalationAuditEntry entry) => new AuditRow(
        entry.ConversationKey,
        entry.ActivityId,
        entry.At.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        entry.Escalated ? 1 : 0,
        JsonSerializer.Serialize(entry.Decision, EscalationJsonContext.Default.EscalationDecision));

    public Task AppendAsync(EscalationAuditEntry entry, CancellationToken cancellationToken)
    {
        var row = Record(entry);
        return database.WriteAsync(session =>
        {
            row.WriteTo(session);
            return true;
        }, cancellationToken);
    }

    private sealed record AuditRow(string ConversationKey, string? ActivityId, string At, int Escalated, string DecisionJson) : ITurnRecord
    {
        public void WriteTo(SqliteSession session) => session
            .Command("""
                INSERT INTO escalation_audit (conversation_key, activity_id, at, escalated, decision_json)
                VALUES ($conversation, $activity, $at, $escalated, $json)
                """)
            .With("$conversation", ConversationKey)
            .With("$activity", ActivityId)
            .With("$at", At)
            .With("$escalated", Escalated)
            .With("$json", DecisionJson)
            .ExecuteNonQuery();
    }

    public Task<IReadOnlyList<EscalationAuditEntry>> ReadAsync(string conversationKey, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<EscalationAuditEntry>>(session =>
        {
            using var reader = session
                .Command("SELECT activity_id, at, escalated, decision_json FROM escalation_audit WHERE conversation_key = $conversation ORDER BY seq")
                .With("$conversation", conversationKey)
                .ExecuteReader();
            var entries = new List<EscalationAuditEntry>();
            while (reader.Read())
            {
                var decision = JsonSerializer.Deserialize(reader.GetString(3), EscalationJsonContext.Default.EscalationDecision)!;
                entries.Add(new EscalationAuditEntry(
                    conversationKey,
                    reader.IsDBNull(0) ? null : reader.GetString(0),
                    DateTimeOffset.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture),
                    reader.GetInt64(2) != 0,
                    decision));
            }
            return entries;
        }, cancellationToken);
}
