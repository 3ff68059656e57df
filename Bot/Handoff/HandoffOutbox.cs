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

        public string CreateSql => """
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
            """;
    }

    public async Task<OutboxResult> SendAsync(string key, string handoffId, Activity activity, bool toCustomer, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO handoff_outbox (key, handoff_id, to_customer, activity_json, status, attempts, next_attempt_at, created_at)
                VALUES ($key, $handoff, $customer, $json, 'sending', 0, $now, $now) ON CONFLICT(key) DO NOTHING
                """;
            insert.Parameters.AddWithValue("$key", key);
            insert.Parameters.AddWithValue("$handoff", handoffId);
            insert.Parameters.AddWithValue("$customer", toCustomer ? 1 : 0);
            insert.Parameters.AddWithValue("$json", JsonSerializer.Serialize(activity, ProtocolJsonContext.Default.Activity));
            insert.Parameters.AddWithValue("$now", SqliteHandoffStore.Format(now));
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return new OutboxResult(false, true, null); // already stored: a redelivered activity is not sent twice
            }
        }
        return await DeliverAsync(key, activity, toCustomer, attempts: 0, cancellationToken);
    }

    public async Task RetryDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = new List<(string Key, Activity Activity, bool ToCustomer, int Attempts)>();
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var select = connection.CreateCommand())
        {
            select.CommandText = """
                SELECT key, activity_json, to_customer, attempts FROM handoff_outbox
                WHERE (status = 'pending' AND next_attempt_at <= $now) OR (status = 'sending' AND next_attempt_at <= $stale)
                ORDER BY created_at LIMIT 100
                """;
            select.Parameters.AddWithValue("$now", SqliteHandoffStore.Format(now));
            select.Parameters.AddWithValue("$stale", SqliteHandoffStore.Format(now - StaleClaim));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add((reader.GetString(0), JsonSerializer.Deserialize(reader.GetString(1), ProtocolJsonContext.Default.Activity)!, reader.GetInt32(2) == 1, reader.GetInt32(3)));
            }
        }
        foreach (var item in due)
        {
            if (await ClaimAsync(item.Key, now, cancellationToken))
            {
                await DeliverAsync(item.Key, item.Activity, item.ToCustomer, item.Attempts, cancellationToken);
            }
        }
    }

    public async Task<IReadOnlyList<OutboxItem>> UndeliveredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT key, handoff_id, status, attempts, last_error FROM handoff_outbox WHERE status <> 'sent' ORDER BY created_at";
        var items = new List<OutboxItem>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new OutboxItem(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return items;
    }

    private async Task<bool> ClaimAsync(string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var claim = connection.CreateCommand();
        claim.CommandText = "UPDATE handoff_outbox SET status = 'sending', next_attempt_at = $now WHERE key = $key AND status IN ('pending', 'sending')";
        claim.Parameters.AddWithValue("$key", key);
        claim.Parameters.AddWithValue("$now", SqliteHandoffStore.Format(now));
        return await claim.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

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

    private async Task MarkAsync(string key, string status, int attempts, DateTimeOffset? next, string? error, string? deliveredId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = """
            UPDATE handoff_outbox SET status = $status, attempts = $attempts, last_error = $error, delivered_id = $delivered,
                next_attempt_at = COALESCE($next, next_attempt_at)
            WHERE key = $key
            """;
        update.Parameters.AddWithValue("$key", key);
        update.Parameters.AddWithValue("$status", status);
        update.Parameters.AddWithValue("$attempts", attempts);
        update.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        update.Parameters.AddWithValue("$delivered", (object?)deliveredId ?? DBNull.Value);
        update.Parameters.AddWithValue("$next", next is { } n ? SqliteHandoffStore.Format(n) : DBNull.Value);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 4200, Level = LogLevel.Warning, Message = "Handoff delivery {Key} failed (attempt {Attempt}, given up: {GivenUp})")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string key, int attempt, bool givenUp);
}
