using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using Microsoft.Data.Sqlite;

namespace HandoffBot.Storage.Sqlite;

/// <summary>The handoff event log over <c>handoff_audit</c> (its <c>seq</c> is the event sequence).</summary>
internal sealed class SqliteHandoffEventLog(SqliteDatabase database) : IHandoffEventLog
{
    private const string Columns = "seq, handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason, message_key, message_kind, message_text";

    public Task<IReadOnlyList<HandoffEvent>> ReadAfterAsync(long afterSequence, int max, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<HandoffEvent>>(session => ReadAll(session.Command($"SELECT {Columns} FROM handoff_audit WHERE seq > $after ORDER BY seq LIMIT $max")
            .With("$after", afterSequence)
            .With("$max", max)), cancellationToken);

    public Task<IReadOnlyList<HandoffEvent>> ReadHandoffAsync(string handoffId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<HandoffEvent>>(session => ReadAll(session.Command($"SELECT {Columns} FROM handoff_audit WHERE handoff_id = $id ORDER BY seq")
            .With("$id", handoffId)), cancellationToken);

    public Task<long> LatestSequenceAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(session => session.Command("SELECT COALESCE(MAX(seq), 0) FROM handoff_audit").ExecuteScalar() is long seq ? seq : 0L, cancellationToken);

    private static List<HandoffEvent> ReadAll(SqliteCommand command)
    {
        var events = new List<HandoffEvent>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            events.Add(new HandoffEvent(
                reader.GetInt64(0),
                new HandoffAuditEntry(
                reader.GetString(1),
                SqliteTime.FromDb(reader.GetInt64(2)),
                new HandoffActor(HandoffActorKinds.Parse(reader.GetString(3)), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)),
                reader.GetString(6),
                Enum.Parse<HandoffStatus>(reader.GetString(7)),
                Enum.Parse<HandoffStatus>(reader.GetString(8)),
                reader.GetString(9)),
                reader.IsDBNull(10) ? null : new HandoffMessage(reader.GetString(10), (HandoffMessageKind)reader.GetInt32(11), reader.GetString(12))));
        }
        return events;
    }
}

/// <summary>Writes a <see cref="HandoffMessageRecord"/> into the audit log once per message key.</summary>
internal sealed class SqliteHandoffMessageWriter : SqliteTurnRecordWriter<HandoffMessageRecord>
{
    protected override Action<SqliteSession> Prepare(HandoffMessageRecord record)
    {
        var at = SqliteTime.ToDb(record.At);
        var action = record.Message.Kind == HandoffMessageKind.Note ? HandoffEvent.NoteAction : HandoffEvent.MessageAction;
        var status = record.Status.ToString();
        return session => session.Command("""
                INSERT OR IGNORE INTO handoff_audit (handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason, message_key, message_kind, message_text)
                VALUES ($id, $at, $kind, $actor, $name, $action, $status, $status, '', $key, $messageKind, $text)
                """)
            .With("$id", record.HandoffId)
            .With("$at", at)
            .With("$kind", record.Actor.Kind.Name())
            .With("$actor", record.Actor.Id)
            .With("$name", record.Actor.Name)
            .With("$action", action)
            .With("$status", status)
            .With("$key", record.Message.Key)
            .With("$messageKind", (int)record.Message.Kind)
            .With("$text", record.Message.Text)
            .ExecuteNonQuery();
    }
}
