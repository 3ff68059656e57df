using System.Text.Json;
using HandoffBot.Escalation;

namespace HandoffBot.Storage.Sqlite;

/// <summary><see cref="IEscalationAuditStore"/> on SQLite (its rows are written by <see cref="SqliteEscalationAuditWriter"/> in the turn's commit).</summary>
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
                at               INTEGER NOT NULL,
                escalated        INTEGER NOT NULL,
                decision_json    TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_escalation_audit_conversation ON escalation_audit (conversation_key, seq);
            """];
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
                    SqliteTime.FromDb(reader.GetInt64(1)),
                    reader.GetInt64(2) != 0,
                    decision));
            }
            return entries;
        }, cancellationToken);
}
