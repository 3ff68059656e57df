using HandoffBot.Hosting.DirectLine;
using HandoffBot.Protocol;
using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Storage.Postgres;

/// <summary>Direct Line conversations, their activity log (position = watermark, never overwritten) and uploads, in PostgreSQL.</summary>
internal sealed class PostgresDirectLineStore(PostgresDatabase database) : IDirectLineStore
{
    internal sealed class Schema() : PostgresSchema("directline", """
        CREATE TABLE directline_conversation (
            conversation_id text PRIMARY KEY,
            user_id         text NOT NULL,
            created_at      timestamptz NOT NULL
        );
        CREATE TABLE directline_activity (
            conversation_id text NOT NULL,
            position        bigint NOT NULL,
            activity_id     text NOT NULL,
            json            jsonb NOT NULL,
            PRIMARY KEY (conversation_id, position)
        );
        CREATE INDEX ix_directline_activity_id ON directline_activity (conversation_id, activity_id);
        CREATE TABLE directline_attachment (
            attachment_id   text PRIMARY KEY,
            conversation_id text NOT NULL,
            content_type    text NOT NULL,
            name            text,
            length          bigint NOT NULL
        );
        """);

    public Task<bool> CreateConversationAsync(string conversationId, string userId, DateTimeOffset createdAt, CancellationToken cancellationToken) =>
        database.WriteAsync(async session =>
        {
            await using var command = session.Command("INSERT INTO directline_conversation (conversation_id, user_id, created_at) VALUES (@id, @user, @at) ON CONFLICT DO NOTHING")
                .With("id", conversationId).With("user", userId).WithTime("at", createdAt);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<string?> FindConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT user_id FROM directline_conversation WHERE conversation_id = @id").With("id", conversationId);
            return await command.ExecuteScalarAsync(cancellationToken) as string;
        }, cancellationToken);

    public Task<long> LastPositionAsync(string conversationId, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT COALESCE(MAX(position), 0) FROM directline_activity WHERE conversation_id = @id").With("id", conversationId);
            return await command.ExecuteScalarAsync(cancellationToken) is long position ? position : 0L;
        }, cancellationToken);

    public Task AppendAsync(string conversationId, long position, Activity activity, CancellationToken cancellationToken)
    {
        var json = SqliteActivityJson.Serialize(activity);
        return database.WriteAsync(async session =>
        {
            await using var command = session.Command("INSERT INTO directline_activity (conversation_id, position, activity_id, json) VALUES (@conversation, @position, @id, @json)")
                .With("conversation", conversationId).With("position", position).With("id", activity.Id ?? string.Empty).WithJson("json", json);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
    }

    public Task<bool> ReplaceAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        var json = SqliteActivityJson.Serialize(activity);
        return database.WriteAsync(async session =>
        {
            await using var command = session.Command("UPDATE directline_activity SET json = @json WHERE conversation_id = @conversation AND activity_id = @id")
                .With("conversation", conversationId).With("id", activity.Id ?? string.Empty).WithJson("json", json);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<(long Position, Activity Activity)>> ReadAfterAsync(string conversationId, long watermark, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<(long, Activity)>>(async session =>
        {
            await using var command = session.Command("SELECT position, json FROM directline_activity WHERE conversation_id = @conversation AND position > @watermark ORDER BY position LIMIT @limit")
                .With("conversation", conversationId).With("watermark", watermark).With("limit", limit);
            return await command.ListAsync(r => (r.GetInt64(0), r.GetActivity(1)), cancellationToken);
        }, cancellationToken);

    public Task SaveAttachmentAsync(StoredAttachment attachment, CancellationToken cancellationToken) =>
        database.WriteAsync(async session =>
        {
            await using var command = session.Command("INSERT INTO directline_attachment (attachment_id, conversation_id, content_type, name, length) VALUES (@id, @conversation, @type, @name, @length)")
                .With("id", attachment.Id).With("conversation", attachment.ConversationId).With("type", attachment.ContentType)
                .With("name", attachment.Name).With("length", attachment.Length);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task<StoredAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT conversation_id, content_type, name, length FROM directline_attachment WHERE attachment_id = @id").With("id", attachmentId);
            var found = await command.ListAsync(r => new StoredAttachment(attachmentId, r.GetString(0), r.GetString(1), r.GetNullableString(2), r.GetInt64(3)), cancellationToken);
            return found.Count == 0 ? null : found[0];
        }, cancellationToken);
}
