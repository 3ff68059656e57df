using System.Text.Json;
using HandoffBot.Protocol;

namespace HandoffBot.Storage.Sqlite;

internal sealed class SqliteTranscriptStore(SqliteDatabase database) : ITranscriptStore
{
    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "transcript";

        public string CreateSql => """
            CREATE TABLE IF NOT EXISTS transcript (
                seq             INTEGER PRIMARY KEY AUTOINCREMENT,
                channel_id      TEXT NOT NULL,
                conversation_id TEXT NOT NULL,
                json            TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_transcript_conversation ON transcript (conversation_id, channel_id, seq);
            """;
    }

    public async Task AppendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        if (activities.Count == 0)
        {
            return;
        }
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO transcript (channel_id, conversation_id, json) VALUES ($channel, $conversation, $json)";
        var channel = command.Parameters.Add("$channel", Microsoft.Data.Sqlite.SqliteType.Text);
        var conversation = command.Parameters.Add("$conversation", Microsoft.Data.Sqlite.SqliteType.Text);
        var json = command.Parameters.Add("$json", Microsoft.Data.Sqlite.SqliteType.Text);
        foreach (var activity in activities)
        {
            channel.Value = activity.ChannelId ?? string.Empty;
            conversation.Value = activity.Conversation?.Id ?? string.Empty;
            json.Value = JsonSerializer.Serialize(activity, ProtocolJsonContext.Default.Activity);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public Task<IReadOnlyList<Activity>> ReadAsync(string channelId, string conversationId, CancellationToken cancellationToken) =>
        QueryAsync("SELECT json FROM transcript WHERE conversation_id = $conversation AND channel_id = $channel ORDER BY seq", conversationId, channelId, cancellationToken);

    public Task<IReadOnlyList<Activity>> ReadAsync(string conversationId, CancellationToken cancellationToken) =>
        QueryAsync("SELECT json FROM transcript WHERE conversation_id = $conversation ORDER BY seq", conversationId, null, cancellationToken);

    private async Task<IReadOnlyList<Activity>> QueryAsync(string sql, string conversationId, string? channelId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$conversation", conversationId);
        if (channelId is not null)
        {
            command.Parameters.AddWithValue("$channel", channelId);
        }
        var result = new List<Activity>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(JsonSerializer.Deserialize(reader.GetString(0), ProtocolJsonContext.Default.Activity)!);
        }
        return result;
    }
}
