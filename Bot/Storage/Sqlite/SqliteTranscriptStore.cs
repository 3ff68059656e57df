using HandoffBot.Protocol;

namespace HandoffBot.Storage.Sqlite;

/// <summary>The transcript in SQLite: one row per activity, ordered by an ever-increasing sequence number.</summary>
internal sealed class SqliteTranscriptStore(SqliteDatabase database) : ITranscriptStore
{
    internal sealed class Schema() : SqliteSchema("transcript", """
        CREATE TABLE IF NOT EXISTS transcript (
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            channel_id      TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            json            TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_transcript_conversation ON transcript (conversation_id, channel_id, seq);
        """);

    public Task AppendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        if (activities.Count == 0)
        {
            return Task.CompletedTask;
        }
        var rows = Serialize(activities);
        return database.WriteAsync(session => Insert(session, rows), cancellationToken);
    }

    /// <summary>The rows for <paramref name="activities"/>, serialised before the write so the writer only inserts.</summary>
    internal static TranscriptRow[] Serialize(IReadOnlyList<Activity> activities)
    {
        var rows = new TranscriptRow[activities.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var activity = activities[i];
            rows[i] = new TranscriptRow(activity.ChannelId ?? string.Empty, activity.Conversation?.Id ?? string.Empty,
                SqliteActivityJson.Serialize(activity));
        }
        return rows;
    }

    /// <summary>Appends rows in order, for use inside a larger write (a turn's commit).</summary>
    internal static int Insert(SqliteSession session, TranscriptRow[] rows)
    {
        var command = session.Command("INSERT INTO transcript (channel_id, conversation_id, json) VALUES ($channel, $conversation, $json)");
        foreach (var row in rows)
        {
            command.With("$channel", row.ChannelId).With("$conversation", row.ConversationId).With("$json", row.Json).ExecuteNonQuery();
        }
        return rows.Length;
    }

    public Task<IReadOnlyList<Activity>> ReadAsync(string channelId, string conversationId, CancellationToken cancellationToken) =>
        QueryAsync("SELECT json FROM transcript WHERE conversation_id = $conversation AND channel_id = $channel ORDER BY seq", conversationId, channelId, cancellationToken);

    public Task<IReadOnlyList<Activity>> ReadAsync(string conversationId, CancellationToken cancellationToken) =>
        QueryAsync("SELECT json FROM transcript WHERE conversation_id = $conversation ORDER BY seq", conversationId, null, cancellationToken);

    private Task<IReadOnlyList<Activity>> QueryAsync(string sql, string conversationId, string? channelId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<Activity>>(session =>
        {
            var command = session.Command(sql).With("$conversation", conversationId);
            if (channelId is not null)
            {
                command.With("$channel", channelId);
            }
            var result = new List<Activity>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                result.Add(reader.GetActivity(0));
            }
            return result;
        }, cancellationToken);
}

internal readonly record struct TranscriptRow(string ChannelId, string ConversationId, string Json);
