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
        database.ReadAsync(session => (long)(session.Command("SELECT COALESCE(MAX(position), 0) FROM directline_activity WHERE conversation_id = $id")
            .With("$id", conversationId).ExecuteScalar() ?? 0L), cancellationToken);

    public Task AppendAsync(string conversationId, long position, Activity activity, CancellationToken cancellationToken)
    {
        var json = SqliteActivityJson.Serialize(activity);
        return database.WriteAsync(session => session.Command("INSERT INTO directline_activity (conversation_id, position, activity_id, json) VALUES ($conversation, $position, $id, $json)")
            .With("$conversation", conversationId).With("$position", position).With("$id", activity.Id ?? string.Empty).With("$json", json).ExecuteNonQuery(), cancellationToken);
    }

    public Task<bool> ReplaceAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        var json = SqliteActivityJson.Serialize(activity);
        return database.WriteAsync(session => session.Command("UPDATE directline_activity SET json = $json WHERE conversation_id = $conversation AND activity_id = $id")
            .With("$conversation", conversationId).With("$id", activity.Id ?? string.Empty).With("$json", json).ExecuteNonQuery() > 0, cancellationToken);
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
