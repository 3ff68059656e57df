using System.Globalization;
using System.Text.Json;
using HandoffBot.Hosting;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>
/// Everything the handoff sends outside a turn (agent messages to customers, customer messages to agents, hub
/// notices) is first written here under an idempotency key (e.g. the source activity id), then delivered; a failed
/// delivery stays and is retried with back-off; after the last attempt it is kept, marked failed and logged. Nothing
/// is dropped silently.
/// </summary>
public interface IHandoffOutbox
{
    /// <summary>Stores and delivers <paramref name="activity"/> (already addressed). False when delivery failed for now (it will be retried).</summary>
    Task<OutboxResult> SendAsync(string key, string handoffId, Activity activity, bool toCustomer, CancellationToken cancellationToken);

    /// <summary>Delivers what is due at <paramref name="now"/>.</summary>
    Task RetryDueAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Items not delivered yet (pending or failed), oldest first.</summary>
    Task<IReadOnlyList<OutboxItem>> UndeliveredAsync(CancellationToken cancellationToken);
}

public sealed record OutboxResult(bool Delivered, bool Duplicate, string? ActivityId);

public sealed record OutboxItem(string Key, string HandoffId, string Status, int Attempts, string? LastError);

internal sealed partial class SqliteHandoffOutbox(
    SqliteDatabase database,
    IServiceProvider services,
    ITranscriptStore transcripts,
    TimeProvider time,
    IOptions<HandoffOptions> options,
    ILogger<SqliteHandoffOutbox> logger) : IHandoffOutbox
{
    private static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(1);

    // Resolved on first use: the adapter's pipeline contains the handoff middleware, which uses this outbox.
    private ChannelAdapter Adapter => services.GetRequiredService<ChannelAdapter>();

    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "handoff_outbox";

        public IReadOnlyList<string> Migrations => ["""
            CREATE TABLE IF NOT EXISTS handoff_outbox (
                key             TEXT PRIMARY KEY,
                handoff_id      TEXT NOT NULL,
                to_customer     INTEGER NOT NULL,
                activity_json   TEXT NOT NULL,
                status          TEXT NOT NULL,
                attempts        INTEGER NOT NULL,
                next_attempt_at TEXT NOT NULL,
                last_error      TEXT,
                delivered_id    TEXT,
                created_at      TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_handoff_outbox_due ON handoff_outbox (status, next_attempt_at);
            """];
    }

    public async Task<OutboxResult> SendAsync(string key, string handoffId, Activity activity, bool toCustomer, CancellationToken cancellationToken)
    {
        var now = SqliteHandoffStore.Format(time.GetUtcNow());
        var json = JsonSerializer.Serialize(activity, ProtocolJsonContext.Default.Activity);
        var inserted = await database.WriteAsync(session => session.Command("""
                INSERT INTO handoff_outbox (key, handoff_id, to_customer, activity_json, status, attempts, next_attempt_at, created_at)
                VALUES ($key, $handoff, $customer, $json, 'sending', 0, $now, $now) ON CONFLICT(key) DO NOTHING
                """)
            .With("$key", key)
            .With("$handoff", handoffId)
            .With("$customer", toCustomer ? 1 : 0)
            .With("$json", json)
            .With("$now", now)
            .ExecuteNonQuery(), cancellationToken);
        if (inserted == 0)
        {
            return new OutboxResult(false, true, null); // already stored: a redelivered activity is not sent twice
        }
        return await DeliverAsync(key, activity, toCustomer, attempts: 0, cancellationToken);
    }

    public async Task RetryDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = await database.ReadAsync(session =>
        {
            var items = new List<(string Key, Activity Activity, bool ToCustomer, int Attempts)>();
            using var reader = session.Command("""
                    SELECT key, activity_json, to_customer, attempts FROM handoff_outbox
                    WHERE (status = 'pending' AND next_attempt_at <= $now) OR (status = 'sending' AND next_attempt_at <= $stale)
                    ORDER BY created_at LIMIT 100
                    """)
                .With("$now", SqliteHandoffStore.Format(now))
                .With("$stale", SqliteHandoffStore.Format(now - StaleClaim))
                .ExecuteReader();
            while (reader.Read())
            {
                items.Add((reader.GetString(0), JsonSerializer.Deserialize(reader.GetString(1), ProtocolJsonContext.Default.Activity)!, reader.GetInt32(2) == 1, reader.GetInt32(3)));
            }
            return items;
        }, cancellationToken);
        foreach (var item in due)
        {
            if (await ClaimAsync(item.Key, now, cancellationToken))
            {
                await DeliverAsync(item.Key, item.Activity, item.ToCustomer, item.Attempts, cancellationToken);
            }
        }
    }

    public Task<IReadOnlyList<OutboxItem>> UndeliveredAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<OutboxItem>>(session =>
        {
            var items = new List<OutboxItem>();
            using var reader = session.Command("SELECT key, handoff_id, status, attempts, last_error FROM handoff_outbox WHERE status <> 'sent' ORDER BY created_at").ExecuteReader();
            while (reader.Read())
            {
                items.Add(new OutboxItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
            return items;
        }, cancellationToken);

    private async Task<bool> ClaimAsync(string key, DateTimeOffset now, CancellationToken cancellationToken) =>
        await database.WriteAsync(session => session.Command("UPDATE handoff_outbox SET status = 'sending', next_attempt_at = $now WHERE key = $key AND status IN ('pending', 'sending')")
            .With("$key", key)
            .With("$now", SqliteHandoffStore.Format(now))
            .ExecuteNonQuery(), cancellationToken) == 1;

    private async Task<OutboxResult> DeliverAsync(string key, Activity activity, bool toCustomer, int attempts, CancellationToken cancellationToken)
    {
        var reference = new ConversationReference
        {
            ChannelId = activity.ChannelId,
            ServiceUrl = activity.ServiceUrl,
            Conversation = activity.Conversation,
            Bot = activity.From,
            User = activity.Recipient,
        };
        try
        {
            string? id = null;
            var parts = toCustomer ? ChannelFormatting.ForChannel(activity) : [activity];
            await Adapter.ContinueConversationAsync(reference, async (turn, ct) =>
            {
                var responses = await turn.SendActivitiesAsync(parts, ct);
                id = responses.Count > 0 ? responses[0].Id : null;
            }, cancellationToken);
            await MarkAsync(key, "sent", attempts + 1, null, null, id, cancellationToken);
            if (toCustomer)
            {
                await RecordAsync(parts, id, cancellationToken);
            }
            return new OutboxResult(true, false, id);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var attempt = attempts + 1;
            var permanent = exception is ConnectorException { IsForbidden: true } || exception is ArgumentException;
            var failed = permanent || attempt >= options.Value.OutboxMaxAttempts;
            var delay = exception is ConnectorException { RetryAfter: { } retryAfter } ? retryAfter : Backoff(attempt);
            LogDeliveryFailed(logger, exception, key, attempt, failed);
            await MarkAsync(key, failed ? "failed" : "pending", attempt, time.GetUtcNow() + delay, exception.Message, null, CancellationToken.None);
            return new OutboxResult(false, false, null);
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var delay = options.Value.OutboxRetryDelay * Math.Pow(2, Math.Min(attempt - 1, 10));
        return delay > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : delay;
    }

    private async Task RecordAsync(IReadOnlyList<Activity> parts, string? id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await transcripts.AppendAsync([.. parts.Select(p => p with
        {
            Id = p.Id ?? id,
            Timestamp = now,
            From = (p.From ?? new ChannelAccount()) with { Role = p.From?.Role ?? RoleTypes.Bot },
            Recipient = (p.Recipient ?? new ChannelAccount()) with { Role = RoleTypes.User },
        })], cancellationToken);
    }

    private Task<int> MarkAsync(string key, string status, int attempts, DateTimeOffset? next, string? error, string? deliveredId, CancellationToken cancellationToken) =>
        database.WriteAsync(session => session.Command("""
                UPDATE handoff_outbox SET status = $status, attempts = $attempts, last_error = $error, delivered_id = $delivered,
                    next_attempt_at = COALESCE($next, next_attempt_at)
                WHERE key = $key
                """)
            .With("$key", key)
            .With("$status", status)
            .With("$attempts", attempts)
            .With("$error", error)
            .With("$delivered", deliveredId)
            .With("$next", next is { } n ? SqliteHandoffStore.Format(n) : null)
            .ExecuteNonQuery(), cancellationToken);

    [LoggerMessage(EventId = 4200, Level = LogLevel.Warning, Message = "Handoff delivery {Key} failed (attempt {Attempt}, given up: {GivenUp})")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string key, int attempt, bool givenUp);
}
