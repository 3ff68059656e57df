using HandoffBot.Hosting.DirectLine;
using HandoffBot.Protocol;

namespace HandoffBot.Storage.Sqlite;

/// <summary>Direct Line conversations, their activity log (position = watermark) and uploads, in SQLite.</summary>
internal sealed class SqliteDirectLineStore(SqliteDatabase database) : IDirectLineStore
{
    internal sealed class Schema() : SqliteSchema("directline", """
        CREATE TABLE IF NOT EXISTS directline_conversation (
            conversation_id TEXT PRIMARY KEY,
            user_id         TEXT NOT NULL,
            created_at      INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS directline_activity (
            conversation_id TEXT NOT NULL,
            position        INTEGER NOT NULL,
            activity_id     TEXT NOT NULL,
            json            TEXT NOT NULL,
            PRIMARY KEY (conversation_id, position)
        );
        CREATE INDEX IF NOT EXISTS ix_directline_activity_id ON directline_activity (conversation_id, activity_id);
        CREATE TABLE IF NOT EXISTS directline_attachment (
            attachment_id   TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL,
            content_type    TEXT NOT NULL,
            name            TEXT,
            length          INTEGER NOT NULL
        );
        """,
        // v2: positions allocated by the conversation's row (existing conversations continue after their highest position).
        """
        ALTER TABLE directline_conversation ADD COLUMN last_position INTEGER NOT NULL DEFAULT 0;
        UPDATE directline_conversation SET last_position = COALESCE(
            (SELECT MAX(position) FROM directline_activity a WHERE a.conversation_id = directline_conversation.conversation_id), 0);
        """,
        // v3: the sender's identity of an activity (a queued turn's reply, an outbox part): appended once per conversation.
        """
        ALTER TABLE directline_activity ADD COLUMN delivery_key TEXT;
        CREATE UNIQUE INDEX IF NOT EXISTS ux_directline_activity_delivery ON directline_activity (conversation_id, delivery_key) WHERE delivery_key IS NOT NULL;
        """);

    public Task<bool> CreateConversationAsync(string conversationId, string userId, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var at = SqliteTime.ToDb(createdAt);
        return database.WriteAsync(session => session.Command("INSERT OR IGNORE INTO directline_conversation (conversation_id, user_id, created_at) VALUES ($id, $user, $at)")
            .With("$id", conversationId).With("$user", userId).With("$at", at).ExecuteNonQuery() == 1, cancellationToken);
    }

    public Task<string?> FindConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        database.ReadAsync(session => session.Command("SELECT user_id FROM directline_conversation WHERE conversation_id = $id")
            .With("$id", conversationId).ExecuteScalar() as string, cancellationToken);

    public Task<long> LastPositionAsync(string conversationId, CancellationToken cancellationToken) =>
        database.ReadAsync(session => session.Command("SELECT last_position FROM directline_conversation WHERE conversation_id = $id")
            .With("$id", conversationId).ExecuteScalar() is long position ? position : 0L, cancellationToken);

    public Task<IReadOnlyDictionary<string, long>> LastPositionsAsync(IReadOnlyCollection<string> conversationIds, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyDictionary<string, long>>(session =>
        {
            var found = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var id in conversationIds)
            {
                if (session.Command("SELECT last_position FROM directline_conversation WHERE conversation_id = $id").With("$id", id).ExecuteScalar() is long position)
                {
                    found[id] = position;
                }
            }
            return found;
        }, cancellationToken);

    /// <summary>
    /// The key's lookup, the next position and the insert in one write of the single writer: atomic, dense, in order,
    /// and a key already stored is never appended again.
    /// </summary>
    public Task<DirectLineAppend> AppendAsync(string conversationId, string? deliveryKey, Func<long, Activity> atPosition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(atPosition);
        return database.WriteAsync(session =>
        {
            if (deliveryKey is not null)
            {
                using var reader = session.Command("SELECT position, json FROM directline_activity WHERE conversation_id = $conversation AND delivery_key = $key")
                    .With("$conversation", conversationId).With("$key", deliveryKey).ExecuteReader();
                if (reader.Read())
                {
                    return new DirectLineAppend(reader.GetInt64(0), reader.GetActivity(1), Appended: false);
                }
            }
            var position = session.Command("UPDATE directline_conversation SET last_position = last_position + 1 WHERE conversation_id = $id RETURNING last_position")
                .With("$id", conversationId).ExecuteScalar() as long?
                ?? throw new InvalidOperationException($"There is no Direct Line conversation '{conversationId}'.");
            var activity = atPosition(position);
            session.Command("INSERT INTO directline_activity (conversation_id, position, activity_id, json, delivery_key) VALUES ($conversation, $position, $id, $json, $key)")
                .With("$conversation", conversationId).With("$position", position).With("$id", activity.Id ?? string.Empty)
                .With("$json", SqliteActivityJson.Serialize(activity)).With("$key", deliveryKey).ExecuteNonQuery();
            return new DirectLineAppend(position, activity, Appended: true);
        }, cancellationToken);
    }

    public Task<long?> ReplaceAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        var json = SqliteActivityJson.Serialize(activity);
        return database.WriteAsync(session => session.Command("UPDATE directline_activity SET json = $json WHERE conversation_id = $conversation AND activity_id = $id RETURNING position")
            .With("$conversation", conversationId).With("$id", activity.Id ?? string.Empty).With("$json", json).ExecuteScalar() as long?, cancellationToken);
    }

    public Task<IReadOnlyList<(long Position, Activity Activity)>> ReadAfterAsync(string conversationId, long watermark, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<(long, Activity)>>(session =>
        {
            var command = session.Command("SELECT position, json FROM directline_activity WHERE conversation_id = $conversation AND position > $watermark ORDER BY position LIMIT $limit")
                .With("$conversation", conversationId).With("$watermark", watermark).With("$limit", limit);
            var result = new List<(long, Activity)>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                result.Add((reader.GetInt64(0), reader.GetActivity(1)));
            }
            return result;
        }, cancellationToken);

    public Task SaveAttachmentAsync(StoredAttachment attachment, CancellationToken cancellationToken) =>
        database.WriteAsync(session => session.Command("INSERT INTO directline_attachment (attachment_id, conversation_id, content_type, name, length) VALUES ($id, $conversation, $type, $name, $length)")
            .With("$id", attachment.Id).With("$conversation", attachment.ConversationId).With("$type", attachment.ContentType)
            .With("$name", attachment.Name).With("$length", attachment.Length).ExecuteNonQuery(), cancellationToken);

    public Task<StoredAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken) =>
        database.ReadAsync(session =>
        {
            using var reader = session.Command("SELECT conversation_id, content_type, name, length FROM directline_attachment WHERE attachment_id = $id")
                .With("$id", attachmentId).ExecuteReader();
            return reader.Read()
                ? new StoredAttachment(attachmentId, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3))
                : null;
        }, cancellationToken);
}
