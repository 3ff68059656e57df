using System.Text.Json;
using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Escalation;

/// <summary>One stored escalation decision: which turn, when, and the decision as JSON.</summary>
public sealed record EscalationAuditEntry(string ConversationKey, string? ActivityId, DateTimeOffset At, bool Escalated, EscalationDecision Decision);

/// <summary>Every escalation decision, kept with its turn for audit.</summary>
public interface IEscalationAuditStore
{
    Task AppendAsync(EscalationAuditEntry entry, CancellationToken cancellationToken);

    Task<IReadOnlyList<EscalationAuditEntry>> ReadAsync(string conversationKey, CancellationToken cancellationToken);
}

internal sealed class SqliteEscalationAuditStore(SqliteDatabase database) : IEscalationAuditStore
{
    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "escalation_audit";

        public string CreateSql => """
            CREATE TABLE IF NOT EXISTS escalation_audit (
                seq              INTEGER PRIMARY KEY AUTOINCREMENT,
                conversation_key TEXT NOT NULL,
                activity_id      TEXT,
                at               TEXT NOT NULL,
                escalated        INTEGER NOT NULL,
                decision_json    TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_escalation_audit_conversation ON escalation_audit (conversation_key, seq);
            """;
    }

    public async Task AppendAsync(EscalationAuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO escalation_audit (conversation_key, activity_id, at, escalated, decision_json)
            VALUES ($conversation, $activity, $at, $escalated, $json)
            """;
        command.Parameters.AddWithValue("$conversation", entry.ConversationKey);
        command.Parameters.AddWithValue("$activity", (object?)entry.ActivityId ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", entry.At.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$escalated", entry.Escalated ? 1 : 0);
        command.Parameters.AddWithValue("$json", JsonSerializer.Serialize(entry.Decision, EscalationJsonContext.Default.EscalationDecision));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<EscalationAuditEntry>> ReadAsync(string conversationKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT activity_id, at, escalated, decision_json FROM escalation_audit WHERE conversation_key = $conversation ORDER BY seq";
        command.Parameters.AddWithValue("$conversation", conversationKey);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<EscalationAuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
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
    }
}
