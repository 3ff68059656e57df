using System.Text.Json;
using HandoffBot.Protocol;
using HandoffBot.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>An uploaded file: served back at /v3/directline/attachments/{Id}.</summary>
public sealed record StoredAttachment(string Id, string ConversationId, string ContentType, string? Name, long Length);

/// <summary>Direct Line conversations and their activity log; the watermark is an activity's position in its conversation.</summary>
public interface IDirectLineStore
{
    /// <summary>Records a conversation; false when it already existed.</summary>
    Task<bool> CreateConversationAsync(string conversationId, string userId, DateTimeOffset createdAt, CancellationToken cancellationToken);

    /// <summary>The user bound to the conversation, or null when there is no such conversation.</summary>
    Task<string?> FindConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>The highest position written in the conversation (0 when none).</summary>
    Task<long> LastPositionAsync(string conversationId, CancellationToken cancellationToken);

    Task AppendAsync(string conversationId, long position, Activity activity, CancellationToken cancellationToken);

    /// <summary>Replaces the stored activity with the same id; false when there is none.</summary>
    Task<bool> ReplaceAsync(string conversationId, Activity activity, CancellationToken cancellationToken);

    /// <summary>Activities after <paramref name="watermark"/>, oldest first, at most <paramref name="limit"/>, with their positions.</summary>
    Task<IReadOnlyList<(long Position, Activity Activity)>> ReadAfterAsync(string conversationId, long watermark, int limit, CancellationToken cancellationToken);

    Task SaveAttachmentAsync(StoredAttachment attachment, CancellationToken cancellationToken);

    Task<StoredAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken);
}

internal sealed class SqliteDirectLineStore(SqliteDatabase database) : IDirectLineStore
{
    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "directline";

        public string CreateSql => """
            CREATE TABLE IF NOT EXISTS directline_conversation (
                conversation_id TEXT PRIMARY KEY,
                user_id         TEXT NOT NULL,
                created_at      TEXT NOT NULL
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
            """;
    }

    public async Task<bool> CreateConversationAsync(string conversationId, string userId, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO directline_conversation (conversation_id, user_id, created_at) VALUES ($id, $user, $at)";
        command.Parameters.AddWithValue("$id", conversationId);
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$at", createdAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<string?> FindConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT user_id FROM directline_conversation WHERE conversation_id = $id";
        command.Parameters.AddWithValue("$id", conversationId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<long> LastPositionAsync(string conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(position), 0) FROM directline_activity WHERE conversation_id = $id";
        command.Parameters.AddWithValue("$id", conversationId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
    }

    public async Task AppendAsync(string conversationId, long position, Activity activity, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO directline_activity (conversation_id, position, activity_id, json) VALUES ($conversation, $position, $id, $json)";
        command.Parameters.AddWithValue("$conversation", conversationId);
        command.Parameters.AddWithValue("$position", position);
        command.Parameters.AddWithValue("$id", activity.Id ?? string.Empty);
        command.Parameters.AddWithValue("$json", JsonSerializer.Serialize(activity, ProtocolJsonContext.Default.Activity));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> ReplaceAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE directline_activity SET json = $json WHERE conversation_id = $conversation AND activity_id = $id";
        command.Parameters.AddWithValue("$conversation", conversationId);
        command.Parameters.AddWithValue("$id", activity.Id ?? string.Empty);
        command.Parameters.AddWithValue("$json", JsonSerializer.Serialize(activity, ProtocolJsonContext.Default.Activity));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<IReadOnlyList<(long Position, Activity Activity)>> ReadAfterAsync(string conversationId, long watermark, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT position, json FROM directline_activity WHERE conversation_id = $conversation AND position > $watermark ORDER BY position LIMIT $limit";
        command.Parameters.AddWithValue("$conversation", conversationId);
        command.Parameters.AddWithValue("$watermark", watermark);
        command.Parameters.AddWithValue("$limit", limit);
        var result = new List<(long, Activity)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((reader.GetInt64(0), JsonSerializer.Deserialize(reader.GetString(1), ProtocolJsonContext.Default.Activity)!));
        }
        return result;
    }

    public async Task SaveAttachmentAsync(StoredAttachment attachment, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO directline_attachment (attachment_id, conversation_id, content_type, name, length) VALUES ($id, $conversation, $type, $name, $length)";
        command.Parameters.AddWithValue("$id", attachment.Id);
        command.Parameters.AddWithValue("$conversation", attachment.ConversationId);
        command.Parameters.AddWithValue("$type", attachment.ContentType);
        command.Parameters.AddWithValue("$name", (object?)attachment.Name ?? DBNull.Value);
        command.Parameters.AddWithValue("$length", attachment.Length);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StoredAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT conversation_id, content_type, name, length FROM directline_attachment WHERE attachment_id = $id";
        command.Parameters.AddWithValue("$id", attachmentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredAttachment(attachmentId, reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3))
            : null;
    }
}
