using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Protocol;

namespace HandoffBot.Storage.Sqlite;

/// <summary>The outbox in SQLite: <c>handoff_outbox</c>, ordered by <c>seq</c> per destination; times are <see cref="SqliteTime"/>.</summary>
internal sealed class SqliteHandoffOutbox(SqliteDatabase database, OutboxSignal signal, TimeProvider time) : IHandoffOutbox
{

    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "handoff_outbox";

        public IReadOnlyList<string> Migrations => ["""
            CREATE TABLE IF NOT EXISTS handoff_outbox (
                seq             INTEGER PRIMARY KEY AUTOINCREMENT,
                key             TEXT NOT NULL UNIQUE,
                handoff_id      TEXT NOT NULL,
                destination     TEXT NOT NULL,
                to_customer     INTEGER NOT NULL,
                activity_json   TEXT NOT NULL,
                status          TEXT NOT NULL,
                attempts        INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL,
                last_error      TEXT,
                delivered_id    TEXT,
                created_at      INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_handoff_outbox_open ON handoff_outbox (destination, seq) WHERE status IN ('pending', 'sending');
            CREATE INDEX IF NOT EXISTS ix_handoff_outbox_due ON handoff_outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
            """,
            "ALTER TABLE handoff_outbox ADD COLUMN traceparent TEXT;"];
    }

    /// <summary>The insert of one message (nothing when its key is stored already); prepared outside the writer.</summary>
    internal static Func<SqliteSession, bool> PrepareInsert(OutboxMessage message, DateTimeOffset now)
    {
        var json = JsonSerializer.Serialize(message.Activity, ProtocolJsonContext.Default.Activity);
        var at = SqliteTime.ToDb(now);
        var traceParent = HandoffBot.Telemetry.HandoffTelemetry.TraceParentFor(message.HandoffId);
        return session => session.Command("""
                INSERT INTO handoff_outbox (key, handoff_id, destination, to_customer, activity_json, status, attempts, next_attempt_at, created_at, traceparent)
                VALUES ($key, $handoff, $destination, $customer, $json, 'pending', 0, $now, $now, $traceparent) ON CONFLICT(key) DO NOTHING
                """)
            .With("$traceparent", traceParent)
            .With("$key", message.Key)
            .With("$handoff", message.HandoffId)
            .With("$destination", message.Destination)
            .With("$customer", message.ToCustomer ? 1 : 0)
            .With("$json", json)
            .With("$now", at)
            .ExecuteNonQuery() == 1;
    }

    public async Task<bool> EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var insert = PrepareInsert(message, time.GetUtcNow());
        var inserted = await database.WriteAsync(insert, cancellationToken);
        if (inserted)
        {
            signal.Notify();
        }
        return inserted;
    }

    /// <summary>
    /// In the writer only what must be atomic: find the claimable rows and mark them sending. Only destinations with a
    /// due row are read (through the due index), not every open row, and the activities are parsed after the commit.
    /// </summary>
    public async Task<IReadOnlyList<OutboxDelivery>> ClaimDueAsync(DateTimeOffset now, int max, int perDestination, CancellationToken cancellationToken)
    {
        var nowDb = SqliteTime.ToDb(now);
        var claimed = await database.WriteAsync(session =>
        {
            var rows = new List<ClaimedOutboxRow>();
            using (var reader = session.Command("""
                    SELECT seq, key, handoff_id, activity_json, to_customer, attempts, destination, status, next_attempt_at, traceparent, created_at FROM handoff_outbox
                    WHERE status IN ('pending', 'sending') AND destination IN (
                        SELECT destination FROM handoff_outbox WHERE status IN ('pending', 'sending') AND status = 'pending' AND next_attempt_at <= $now)
                    ORDER BY destination, seq LIMIT 4096
                    """).With("$now", nowDb).ExecuteReader())
            {
                // Per destination, in order: the claimable rows from its oldest open row on, up to the first that is not
                // (in flight, or waiting for its retry): a failing row holds the later rows of its destination.
                string? destination = null;
                var taken = 0;
                var blocked = false;
                while (rows.Count < max && reader.Read())
                {
                    var rowDestination = reader.GetString(6);
                    if (!string.Equals(rowDestination, destination, StringComparison.Ordinal))
                    {
                        (destination, taken, blocked) = (rowDestination, 0, false);
                    }
                    var claimable = reader.GetString(7) == "pending" && reader.GetInt64(8) <= nowDb; // "sending": in flight in this process
                    if (blocked || !claimable || taken == perDestination)
                    {
                        blocked = true;
                        continue;
                    }
                    taken++;
                    rows.Add(new ClaimedOutboxRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4) == 1, reader.GetInt32(5), reader.IsDBNull(9) ? null : reader.GetString(9), SqliteTime.FromDb(reader.GetInt64(10))));
                }
            }
            var mark = session.Command("UPDATE handoff_outbox SET status = 'sending', next_attempt_at = $now WHERE seq = $seq");
            foreach (var row in rows)
            {
                mark.With("$seq", row.Seq).With("$now", nowDb).ExecuteNonQuery();
            }
            return rows;
        }, cancellationToken);

        var (due, unreadable) = ClaimedOutboxRow.Parse(claimed);
        foreach (var delivery in unreadable)
        {
            await MarkUndeliveredAsync(delivery, now, ClaimedOutboxRow.UnreadableError, givenUp: true, CancellationToken.None);
        }
        return due;
    }

    public TimeSpan? ClaimSafeFor => null;

    public Task<bool> IsStillClaimedAsync(OutboxDelivery delivery, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<int> RecoverAbandonedAsync(CancellationToken cancellationToken) =>
        database.WriteAsync(session => session.Command("UPDATE handoff_outbox SET status = 'pending' WHERE status = 'sending'").ExecuteNonQuery(), cancellationToken);

    public Task ReleaseAsync(IReadOnlyList<OutboxDelivery> deliveries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        return deliveries.Count == 0 ? Task.CompletedTask : database.WriteAsync(session =>
        {
            foreach (var delivery in deliveries)
            {
                session.Command("UPDATE handoff_outbox SET status = 'pending' WHERE seq = $seq AND status = 'sending'").With("$seq", delivery.Seq).ExecuteNonQuery();
            }
            return true;
        }, cancellationToken);
    }

    public Task MarkSentAsync(IReadOnlyList<OutboxSent> sent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sent);
        if (sent.Count == 0)
        {
            return Task.CompletedTask;
        }
        var marks = new (long Seq, string? DeliveredId, TranscriptRow[] Transcript)[sent.Count];
        for (var i = 0; i < marks.Length; i++)
        {
            marks[i] = (sent[i].Delivery.Seq, sent[i].ActivityId, SqliteTranscriptStore.Serialize(sent[i].Transcript));
        }
        return database.WriteAsync(session =>
        {
            var update = session.Command("UPDATE handoff_outbox SET status = 'sent', attempts = attempts + 1, last_error = NULL, delivered_id = $delivered WHERE seq = $seq");
            foreach (var (seq, deliveredId, transcript) in marks)
            {
                update.With("$seq", seq).With("$delivered", deliveredId).ExecuteNonQuery();
                SqliteTranscriptStore.Insert(session, transcript);
            }
            return true;
        }, cancellationToken);
    }

    public Task MarkUndeliveredAsync(OutboxDelivery delivery, DateTimeOffset next, string error, bool givenUp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return database.WriteAsync(session => session.Command("""
                UPDATE handoff_outbox SET status = $status, attempts = attempts + 1, last_error = $error, next_attempt_at = $next WHERE seq = $seq
                """)
            .With("$seq", delivery.Seq)
            .With("$status", givenUp ? "failed" : "pending")
            .With("$error", error)
            .With("$next", SqliteTime.ToDb(next))
            .ExecuteNonQuery(), cancellationToken);
    }

    public Task<string?> DeliveredIdAsync(string key, CancellationToken cancellationToken) =>
        database.ReadAsync(session => session.Command("SELECT delivered_id FROM handoff_outbox WHERE key = $key AND status = 'sent'")
            .With("$key", key)
            .ExecuteScalar() as string, cancellationToken);

    public Task<IReadOnlyList<OutboxItem>> UndeliveredAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<OutboxItem>>(session =>
        {
            var items = new List<OutboxItem>();
            using var reader = session.Command("SELECT key, handoff_id, status, attempts, last_error FROM handoff_outbox WHERE status <> 'sent' ORDER BY seq").ExecuteReader();
            while (reader.Read())
            {
                items.Add(new OutboxItem(reader.GetString(0), reader.GetString(1), Enum.Parse<OutboxStatus>(reader.GetString(2), ignoreCase: true), reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
            return items;
        }, cancellationToken);
}

/// <summary>Writes an <see cref="OutboxMessage"/> of a turn's commit (a key stored already is not stored twice).</summary>
internal sealed class SqliteOutboxWriter(TimeProvider time) : SqliteTurnRecordWriter<OutboxMessage>
{
    protected override Action<SqliteSession> Prepare(OutboxMessage record)
    {
        var insert = SqliteHandoffOutbox.PrepareInsert(record, time.GetUtcNow());
        return session => insert(session);
    }
}
