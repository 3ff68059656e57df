using HandoffBot.Protocol;
using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// The durable inbox in PostgreSQL: unique per (channel, conversation, activity id), so a redelivery to any instance
/// is recognised; done when its turn commits. Each item names the instance that accepted it
/// (<see cref="PostgresOptions.InstanceName"/>): at start-up an instance runs again only its own unfinished items, and
/// the items of an instance whose lease ran out are taken over by a live one (<see cref="PostgresInboxTakeover"/>).
/// </summary>
internal sealed class PostgresInboxStore(PostgresDatabase database, TimeProvider time) : IInboxStore
{
    // activity_id may be NULL (an activity without id): NULLs are distinct in a unique index, so such rows never count as redeliveries.
    internal sealed class Schema() : PostgresSchema("inbox", """
        CREATE TABLE inbox (
            id              bigserial PRIMARY KEY,
            channel_id      text NOT NULL,
            conversation_id text NOT NULL,
            activity_id     text,
            json            jsonb NOT NULL,
            received_at     timestamptz NOT NULL,
            done_at         timestamptz,
            traceparent     text,
            claimed_by      text NOT NULL
        );
        CREATE UNIQUE INDEX ux_inbox_activity ON inbox (channel_id, conversation_id, activity_id);
        CREATE INDEX ix_inbox_pending ON inbox (claimed_by, id) WHERE done_at IS NULL;
        """,
        // The replies an unfinished turn already sent (IInboxStore.MarkRepliedAsync); kept with the item, which stays.
        """
        CREATE TABLE inbox_reply (
            item_id     bigint NOT NULL,
            position    integer NOT NULL,
            activity_id text,
            PRIMARY KEY (item_id, position)
        );
        """);

    public Task<InboxItem?> AddAsync(Activity activity, CancellationToken cancellationToken)
    {
        var json = SqliteActivityJson.Serialize(activity);
        var now = time.GetUtcNow();
        var traceParent = HandoffBot.Telemetry.BotTelemetry.CurrentTraceParent();
        return database.WriteAsync(async session =>
        {
            await using var command = session.Command("""
                INSERT INTO inbox (channel_id, conversation_id, activity_id, json, received_at, traceparent, claimed_by)
                VALUES (@channel, @conversation, @activity, @json, @now, @traceparent, @instance)
                ON CONFLICT DO NOTHING RETURNING id
                """)
                .With("channel", activity.ChannelId ?? string.Empty)
                .With("conversation", activity.Conversation?.Id ?? string.Empty)
                .With("activity", activity.Id)
                .WithJson("json", json)
                .WithTime("now", now)
                .With("traceparent", traceParent)
                .With("instance", database.InstanceName);
            return await command.ExecuteScalarAsync(cancellationToken) is long id ? new InboxItem(id, activity) { TraceParent = traceParent } : null;
        }, cancellationToken);
    }

    /// <summary>
    /// This instance's own items not done. Under <see cref="ClaimLock"/>, like a takeover: a restart that renewed this
    /// instance's lease either sees an item another instance took over just before (claimed by that one, not returned)
    /// or keeps it (the other's takeover, after the lock, finds this instance alive).
    /// </summary>
    public Task<IReadOnlyList<InboxItem>> ReadPendingAsync(CancellationToken cancellationToken) =>
        database.WriteAsync(async session =>
        {
            await session.LockAsync(ClaimLock);
            await using var command = session.Command("SELECT id, json, traceparent FROM inbox WHERE done_at IS NULL AND claimed_by = @instance ORDER BY id")
                .With("instance", database.InstanceName);
            return await WithRepliesAsync(session, await command.ListAsync(ReadItem, cancellationToken));
        }, cancellationToken);

    /// <summary>The advisory lock under which items change hands: a start-up's read of its own items and a takeover.</summary>
    internal const string ClaimLock = "handoffbot.inbox.claim";

    /// <summary>An item from a row of (id, json, traceparent).</summary>
    internal static InboxItem ReadItem(Npgsql.NpgsqlDataReader row) => new(row.GetInt64(0), row.GetActivity(1)) { TraceParent = row.GetNullableString(2) };

    /// <summary><paramref name="items"/> with the replies their turns already sent (<see cref="InboxItem.Replied"/>), in the same order.</summary>
    internal static async Task<IReadOnlyList<InboxItem>> WithRepliesAsync(PostgresSession session, IReadOnlyList<InboxItem> items)
    {
        if (items.Count == 0)
        {
            return items;
        }
        await using var replies = session.Command("SELECT item_id, position, activity_id FROM inbox_reply WHERE item_id = ANY(@items) ORDER BY item_id, position")
            .With("items", items.Select(i => i.Id).ToArray());
        var replied = (await replies.ListAsync(r => (Item: r.GetInt64(0), Position: r.GetInt32(1), Id: r.GetNullableString(2)), session.CancellationToken))
            .GroupBy(r => r.Item)
            .ToDictionary(g => g.Key, g => InboxReplies.Leading([.. g.Select(r => (r.Position, r.Id))]));
        return replied.Count == 0 ? items : [.. items.Select(i => replied.TryGetValue(i.Id, out var sent) ? i with { Replied = sent } : i)];
    }

    public Task MarkRepliedAsync(long itemId, int position, string? activityId, CancellationToken cancellationToken) =>
        database.WriteAsync(session => session.ExecuteAsync(
            "INSERT INTO inbox_reply (item_id, position, activity_id) VALUES (@item, @position, @activity) ON CONFLICT DO NOTHING",
            ("item", itemId), ("position", position), ("activity", activityId)), cancellationToken);

    public Task<bool> IsToRunHereAsync(long itemId, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT 1 FROM inbox WHERE id = @id AND done_at IS NULL AND claimed_by = @instance")
                .With("id", itemId).With("instance", database.InstanceName);
            return await command.ExecuteScalarAsync(cancellationToken) is not null;
        }, cancellationToken);

    /// <summary>
    /// Marks an item done, for use inside a turn's commit (deferred to its next round trip). The first commit wins: an
    /// item already done by another instance's run throws <see cref="InboxItemAlreadyDoneException"/> and nothing of this
    /// commit is kept. It does not ask who holds the item: a run that finished after its item was taken over, before the
    /// new holder ran it, stands (the new holder then finds it done and does not run it).
    /// </summary>
    internal static void Complete(PostgresSession session, long id, DateTimeOffset now) =>
        session.Defer("UPDATE inbox SET done_at = @now WHERE id = @id AND done_at IS NULL", rows =>
        {
            if (rows != 1)
            {
                throw new InboxItemAlreadyDoneException(id);
            }
        }).With("id", id).WithTime("now", now);
}
