using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Storage.Sqlite;
using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// The outbox in PostgreSQL: <c>handoff_outbox</c>, ordered by <c>seq</c> per destination. A claim runs under one
/// advisory lock, so claims of several instances never interleave (per-destination order holds across instances; SKIP
/// LOCKED would let a second claimer jump over a row in the middle of a destination), and marks its rows with this
/// instance's name: after a restart an instance takes back only its own rows in flight, and rows in flight on an
/// instance whose lease ran out (<see cref="PostgresInstanceHeartbeat"/>) are claimed again by whoever claims next.
/// </summary>
internal sealed class PostgresHandoffOutbox(PostgresDatabase database, OutboxSignal signal, TimeProvider time) : IHandoffOutbox
{
    internal sealed class Schema() : PostgresSchema("handoff_outbox", """
        CREATE TABLE handoff_outbox (
            seq             bigserial PRIMARY KEY,
            key             text NOT NULL UNIQUE,
            handoff_id      text NOT NULL,
            destination     text NOT NULL,
            to_customer     boolean NOT NULL,
            activity_json   jsonb NOT NULL,
            status          text NOT NULL,
            attempts        integer NOT NULL,
            next_attempt_at timestamptz NOT NULL,
            last_error      text,
            delivered_id    text,
            created_at      timestamptz NOT NULL,
            traceparent     text,
            claimed_by      text
        );
        CREATE INDEX ix_handoff_outbox_open ON handoff_outbox (destination, seq) WHERE status IN ('pending', 'sending');
        CREATE INDEX ix_handoff_outbox_due ON handoff_outbox (next_attempt_at) WHERE status = 'pending';
        CREATE INDEX ix_handoff_outbox_in_flight ON handoff_outbox (claimed_by) WHERE status = 'sending';
        """);

    /// <summary>The insert of one message (nothing when its key is stored already); serialised outside the transaction, a new command per call.</summary>
    internal static Func<NpgsqlBatchCommand> PrepareInsert(OutboxMessage message, DateTimeOffset now)
    {
        var json = JsonSerializer.Serialize(message.Activity, ProtocolJsonContext.Default.Activity);
        var traceParent = HandoffBot.Telemetry.HandoffTelemetry.TraceParentFor(message.HandoffId);
        return () => new NpgsqlBatchCommand("""
                INSERT INTO handoff_outbox (key, handoff_id, destination, to_customer, activity_json, status, attempts, next_attempt_at, created_at, traceparent)
                VALUES (@key, @handoff, @destination, @customer, @json, 'pending', 0, @now, @now, @traceparent) ON CONFLICT (key) DO NOTHING
                """)
            .With("key", message.Key).With("handoff", message.HandoffId).With("destination", message.Destination)
            .With("customer", message.ToCustomer).WithJson("json", json).WithTime("now", now).With("traceparent", traceParent);
    }

    public async Task<bool> EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var insert = PrepareInsert(message, time.GetUtcNow());
        var inserted = await database.WriteAsync(async session => await session.ExecuteAsync(insert()) == 1, cancellationToken);
        if (inserted)
        {
            signal.Notify();
        }
        return inserted;
    }

    /// <summary>
    /// One statement picks and marks the rows: per destination with a due row, its open rows in order from the oldest,
    /// at most <paramref name="perDestination"/>, up to the first that is in flight or waiting for its retry.
    /// </summary>
    public async Task<IReadOnlyList<OutboxDelivery>> ClaimDueAsync(DateTimeOffset now, int max, int perDestination, CancellationToken cancellationToken)
    {
        var claimed = await database.WriteAsync(async session =>
        {
            // The claim renews this instance's lease (in the lock's round trip, committed with the claim): nobody takes
            // these rows over within a lease of now, which lets the dispatcher send them without asking (ClaimSafeFor).
            session.Defer("UPDATE storage_instance SET alive_until = greatest(alive_until, @until) WHERE name = @instance")
                .WithTime("until", now + database.InstanceLease).With("instance", database.InstanceName);
            await session.LockAsync("handoffbot.outbox.claim");
            await using var command = session.Command("""
                WITH dead AS (
                    SELECT name FROM storage_instance WHERE alive_until < @now AND name <> @instance
                ), open_rows AS MATERIALIZED (
                    SELECT seq, destination,
                           CASE WHEN (status = 'pending' AND next_attempt_at <= @now) OR (status = 'sending' AND claimed_by IN (SELECT name FROM dead))
                                THEN 0 ELSE 1 END AS held
                    FROM handoff_outbox
                    WHERE status IN ('pending', 'sending') AND destination IN (
                        SELECT destination FROM handoff_outbox WHERE status = 'pending' AND next_attempt_at <= @now
                        UNION SELECT destination FROM handoff_outbox WHERE status = 'sending' AND claimed_by IN (SELECT name FROM dead))
                ), ranked AS MATERIALIZED (
                    SELECT seq, destination, row_number() OVER w AS n, sum(held) OVER w AS blocked
                    FROM open_rows WINDOW w AS (PARTITION BY destination ORDER BY seq)
                ), picked AS (
                    SELECT seq FROM ranked WHERE blocked = 0 AND n <= @per ORDER BY destination COLLATE "C", seq LIMIT @max
                )
                UPDATE handoff_outbox o SET status = 'sending', next_attempt_at = @now, claimed_by = @instance
                FROM picked WHERE o.seq = picked.seq
                RETURNING o.seq, o.key, o.handoff_id, o.activity_json::text, o.to_customer, o.attempts, o.traceparent, o.destination, o.created_at
                """)
                .WithTime("now", now).With("per", perDestination).With("max", max).With("instance", database.InstanceName);
            var rows = await command.ListAsync(r => (Destination: r.GetString(7), Row: new ClaimedOutboxRow(
                r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4), r.GetInt32(5), r.GetNullableString(6), r.GetTime(8))), cancellationToken);
            return rows.OrderBy(r => r.Destination, StringComparer.Ordinal).ThenBy(r => r.Row.Seq).Select(r => r.Row).ToList();
        }, cancellationToken);

        var (due, unreadable) = ClaimedOutboxRow.Parse(claimed);
        foreach (var delivery in unreadable)
        {
            await MarkUndeliveredAsync(delivery, now, ClaimedOutboxRow.UnreadableError, givenUp: true, CancellationToken.None);
        }
        return due;
    }

    // Half the lease the claim renewed: margin for the clocks of the instances and for the claim's own round trip.
    public TimeSpan? ClaimSafeFor => database.InstanceLease / 2;

    public Task<bool> IsStillClaimedAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT 1 FROM handoff_outbox WHERE seq = @seq AND status = 'sending' AND claimed_by = @instance")
                .With("seq", delivery.Seq).With("instance", database.InstanceName);
            return await command.ExecuteScalarAsync(cancellationToken) is not null;
        }, cancellationToken);
    }

    public Task<int> RecoverAbandonedAsync(CancellationToken cancellationToken) =>
        database.WriteAsync(session => session.ExecuteAsync("UPDATE handoff_outbox SET status = 'pending' WHERE status = 'sending' AND claimed_by = @instance",
            ("instance", database.InstanceName)), cancellationToken);

    public Task ReleaseAsync(IReadOnlyList<OutboxDelivery> deliveries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        return deliveries.Count == 0 ? Task.CompletedTask : database.WriteAsync(session => session.ExecuteAsync(
            "UPDATE handoff_outbox SET status = 'pending' WHERE seq = ANY(@seqs) AND status = 'sending' AND claimed_by = @instance",
            ("seqs", deliveries.Select(d => d.Seq).ToArray()), ("instance", database.InstanceName)), cancellationToken);
    }

    public Task MarkSentAsync(IReadOnlyList<OutboxSent> sent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sent);
        if (sent.Count == 0)
        {
            return Task.CompletedTask;
        }
        var transcript = SqliteTranscriptStore.Serialize([.. sent.SelectMany(s => s.Transcript)]);
        return database.WriteAsync(session =>
        {
            // One statement per row by primary key, all in one round trip: a join with unnest(@seqs) was planned, on a
            // table that grew after the plan was cached, as a hash join over a scan of the whole outbox (1-20 ms per
            // mark in the burst, growing with the table).
            foreach (var row in sent)
            {
                session.Defer("UPDATE handoff_outbox SET status = 'sent', attempts = attempts + 1, last_error = NULL, delivered_id = @delivered WHERE seq = @seq")
                    .With("seq", row.Delivery.Seq).With("delivered", row.ActivityId);
            }
            return Task.FromResult(PostgresTranscriptStore.Insert(session, transcript));
        }, cancellationToken);
    }

    public Task MarkUndeliveredAsync(OutboxDelivery delivery, DateTimeOffset next, string error, bool givenUp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return database.WriteAsync(session => session.ExecuteAsync(
            "UPDATE handoff_outbox SET status = @status, attempts = attempts + 1, last_error = @error, next_attempt_at = @next WHERE seq = @seq AND claimed_by = @instance",
            ("seq", delivery.Seq), ("instance", database.InstanceName), ("status", givenUp ? "failed" : "pending"), ("error", error), ("next", PostgresTime.ToDb(next))), cancellationToken);
    }

    public Task<string?> DeliveredIdAsync(string key, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT delivered_id FROM handoff_outbox WHERE key = @key AND status = 'sent'").With("key", key);
            return await command.ExecuteScalarAsync(cancellationToken) as string;
        }, cancellationToken);

    public Task<IReadOnlyList<OutboxItem>> UndeliveredAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<OutboxItem>>(async session =>
        {
            await using var command = session.Command("SELECT key, handoff_id, status, attempts, last_error FROM handoff_outbox WHERE status <> 'sent' ORDER BY seq");
            return await command.ListAsync(r => new OutboxItem(r.GetString(0), r.GetString(1), Enum.Parse<OutboxStatus>(r.GetString(2), ignoreCase: true), r.GetInt32(3),
                r.GetNullableString(4)), cancellationToken);
        }, cancellationToken);
}

/// <summary>Writes an <see cref="OutboxMessage"/> of a turn's commit (a key stored already is not stored twice).</summary>
internal sealed class PostgresOutboxWriter(TimeProvider time) : PostgresTurnRecordWriter<OutboxMessage>
{
    protected override Func<PostgresSession, Task> Prepare(OutboxMessage record)
    {
        var insert = PostgresHandoffOutbox.PrepareInsert(record, time.GetUtcNow());
        return session =>
        {
            session.Defer(insert()); // a key already stored is a message already queued: nothing to check
            return Task.CompletedTask;
        };
    }
}
