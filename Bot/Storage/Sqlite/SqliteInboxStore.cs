using HandoffBot.Protocol;

namespace HandoffBot.Storage.Sqlite;

/// <summary>The durable inbox in SQLite: unique per (channel, conversation, activity id); done when its turn commits.</summary>
internal sealed class SqliteInboxStore(SqliteDatabase database, TimeProvider time) : IInboxStore
{
    // activity_id may be NULL (an activity without id): such rows never count as redeliveries.
    internal sealed class Schema() : SqliteSchema("inbox", """
        CREATE TABLE IF NOT EXISTS inbox (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            channel_id      TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            activity_id     TEXT,
            json            TEXT NOT NULL,
            received_at     INTEGER NOT NULL,
            done_at         INTEGER
        );
        CREATE UNIQUE INDEX IF NOT EXISTS ux_inbox_activity ON inbox (channel_id, conversation_id, activity_id);
        CREATE INDEX IF NOT EXISTS ix_inbox_pending ON inbox (id) WHERE done_at IS NULL;
        """,
        "ALTER TABLE inbox ADD COLUMN traceparent TEXT;",
        // The replies an unfinished turn already sent (IInboxStore.MarkRepliedAsync); kept with the item, which stays.
        """
        CREATE TABLE IF NOT EXISTS inbox_reply (
            item_id     INTEGER NOT NULL,
            position    INTEGER NOT NULL,
            activity_id TEXT,
            PRIMARY KEY (item_id, position)
        ) WITHOUT ROWID;
        """);

    public Task<InboxItem?> AddAsync(Activity activity, CancellationToken cancellationToken)
    {
        var json = SqliteActivityJson.Serialize(activity);
        var now = SqliteTime.ToDb(time.GetUtcNow());
        var traceParent = HandoffBot.Telemetry.BotTelemetry.CurrentTraceParent();
        return database.WriteAsync(session =>
        {
            var id = session.Command("""
                INSERT INTO inbox (channel_id, conversation_id, activity_id, json, received_at, traceparent)
                VALUES ($channel, $conversation, $activity, $json, $now, $traceparent)
                ON CONFLICT DO NOTHING RETURNING id
                """)
                .With("$channel", activity.ChannelId ?? string.Empty)
                .With("$conversation", activity.Conversation?.Id ?? string.Empty)
                .With("$activity", activity.Id)
                .With("$json", json)
                .With("$now", now)
                .With("$traceparent", traceParent)
                .ExecuteScalar();
            return id is long value ? new InboxItem(value, activity) { TraceParent = traceParent } : null;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<InboxItem>> ReadPendingAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<InboxItem>>(session =>
        {
            var items = new List<InboxItem>();
            using (var reader = session.Command("SELECT id, json, traceparent FROM inbox WHERE done_at IS NULL ORDER BY id").ExecuteReader())
            {
                while (reader.Read())
                {
                    items.Add(new InboxItem(reader.GetInt64(0), reader.GetActivity(1)) { TraceParent = reader.IsDBNull(2) ? null : reader.GetString(2) });
                }
            }
            var replied = new Dictionary<long, List<(int Position, string? Id)>>();
            using (var reader = session.Command("""
                SELECT r.item_id, r.position, r.activity_id FROM inbox_reply r JOIN inbox i ON i.id = r.item_id
                WHERE i.done_at IS NULL ORDER BY r.item_id, r.position
                """).ExecuteReader())
            {
                while (reader.Read())
                {
                    var list = replied.TryGetValue(reader.GetInt64(0), out var existing) ? existing : replied[reader.GetInt64(0)] = [];
                    list.Add((reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
                }
            }
            return replied.Count == 0 ? items : [.. items.Select(i => replied.TryGetValue(i.Id, out var sent) ? i with { Replied = InboxReplies.Leading(sent) } : i)];
        }, cancellationToken);

    public Task MarkRepliedAsync(long itemId, int position, string? activityId, CancellationToken cancellationToken) =>
        database.WriteAsync(session => session.Command("INSERT INTO inbox_reply (item_id, position, activity_id) VALUES ($item, $position, $activity) ON CONFLICT DO NOTHING")
            .With("$item", itemId)
            .With("$position", position)
            .With("$activity", activityId)
            .ExecuteNonQuery(), cancellationToken);

    public Task<bool> IsToRunHereAsync(long itemId, CancellationToken cancellationToken) =>
        database.ReadAsync(session => session.Command("SELECT 1 FROM inbox WHERE id = $id AND done_at IS NULL").With("$id", itemId).ExecuteScalar() is not null, cancellationToken);

    /// <summary>Marks an item done, for use inside a turn's commit; an item already done throws <see cref="InboxItemAlreadyDoneException"/>.</summary>
    internal static void Complete(SqliteSession session, long id, DateTimeOffset now)
    {
        var rows = session.Command("UPDATE inbox SET done_at = $now WHERE id = $id AND done_at IS NULL")
            .With("$id", id)
            .With("$now", SqliteTime.ToDb(now))
            .ExecuteNonQuery();
        if (rows != 1)
        {
            throw new InboxItemAlreadyDoneException(id);
        }
    }
}
