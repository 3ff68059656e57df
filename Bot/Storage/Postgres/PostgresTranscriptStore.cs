using HandoffBot.Protocol;
using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Storage.Postgres;

/// <summary>The transcript in PostgreSQL: one row per activity (jsonb), ordered by a bigserial sequence.</summary>
internal sealed class PostgresTranscriptStore(PostgresDatabase database) : ITranscriptStore
{
    internal sealed class Schema() : PostgresSchema("transcript", """
        CREATE TABLE transcript (
            seq             bigserial PRIMARY KEY,
            channel_id      text NOT NULL,
            conversation_id text NOT NULL,
            json            jsonb NOT NULL
        );
        CREATE INDEX ix_transcript_conversation ON transcript (conversation_id, channel_id, seq);
        """);

    public Task AppendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        if (activities.Count == 0)
        {
            return Task.CompletedTask;
        }
        var rows = SqliteTranscriptStore.Serialize(activities);
        return database.WriteAsync(session => Task.FromResult(Insert(session, rows)), cancellationToken);
    }

    /// <summary>Appends rows in order, for use inside a larger transaction (a turn's commit, an outbox mark), deferred to its next round trip.</summary>
    internal static int Insert(PostgresSession session, TranscriptRow[] rows)
    {
        if (rows.Length == 0)
        {
            return 0;
        }
        // One statement for the whole list; WITH ORDINALITY keeps the order of the sequence numbers.
        session.Defer("""
            INSERT INTO transcript (channel_id, conversation_id, json)
            SELECT c, v, j::jsonb FROM unnest(@channels, @conversations, @jsons) WITH ORDINALITY AS r(c, v, j, n) ORDER BY n
            """)
            .With("channels", rows.Select(r => r.ChannelId).ToArray())
            .With("conversations", rows.Select(r => r.ConversationId).ToArray())
            .With("jsons", rows.Select(r => r.Json).ToArray());
        return rows.Length;
    }

    public Task<IReadOnlyList<Activity>> ReadAsync(string channelId, string conversationId, CancellationToken cancellationToken) =>
        QueryAsync("SELECT json FROM transcript WHERE conversation_id = @conversation AND channel_id = @channel ORDER BY seq", conversationId, channelId, cancellationToken);

    public Task<IReadOnlyList<Activity>> ReadAsync(string conversationId, CancellationToken cancellationToken) =>
        QueryAsync("SELECT json FROM transcript WHERE conversation_id = @conversation ORDER BY seq", conversationId, null, cancellationToken);

    private Task<IReadOnlyList<Activity>> QueryAsync(string sql, string conversationId, string? channelId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<Activity>>(async session =>
        {
            await using var command = session.Command(sql).With("conversation", conversationId);
            if (channelId is not null)
            {
                command.With("channel", channelId);
            }
            return await command.ListAsync(r => r.GetActivity(0), cancellationToken);
        }, cancellationToken);
}
