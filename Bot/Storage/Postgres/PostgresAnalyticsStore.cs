using HandoffBot.Analytics;
using HandoffBot.Handoff;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// The analytics facts in PostgreSQL, the same rows as SQLite's: one per conversation (first customer message,
/// messages, handoffs) and one per handoff (<see cref="PostgresAnalyticsFacts"/>, written in the same transaction as each
/// transition and its audit line). A period is a range read of the handoff rows by their opening time; the nearest-rank
/// percentiles are <c>percentile_disc</c>, which picks the value at rank ceil(p * count) exactly as
/// <see cref="Distribution.Of"/> does, so both providers give the same figures on the same rows.
/// </summary>
internal sealed class PostgresAnalyticsStore(PostgresDatabase database) : IAnalyticsStore
{
    /// <summary>Registered after the handoff schema: it indexes the handoff audit table.</summary>
    internal sealed class Schema() : PostgresSchema("analytics", """
        CREATE TABLE analytics_conversation (
            key        text PRIMARY KEY,
            started_at timestamptz NOT NULL,
            turns      integer NOT NULL,
            handoffs   integer NOT NULL DEFAULT 0
        );
        CREATE INDEX ix_analytics_conversation_started ON analytics_conversation (started_at) INCLUDE (handoffs);
        CREATE TABLE analytics_handoff (
            handoff_id       text PRIMARY KEY,
            created_at       timestamptz NOT NULL,
            conversation_key text NOT NULL,
            customer         text NOT NULL,
            trigger          text NOT NULL,
            category         text NOT NULL,
            queue            text NOT NULL,
            outcome          smallint NOT NULL,
            escalate_turns   integer,
            escalate_us      bigint,
            offered_at       timestamptz,
            accepted_at      timestamptz,
            wait_us          bigint,
            accept_us        bigint,
            ended_at         timestamptz,
            handle_us        bigint,
            transfers        integer NOT NULL DEFAULT 0,
            reopen           boolean NOT NULL,
            csat             smallint
        ) WITH (fillfactor = 80);
        CREATE INDEX ix_analytics_handoff_created ON analytics_handoff (created_at);
        CREATE INDEX ix_analytics_handoff_customer ON analytics_handoff (customer, created_at);
        CREATE INDEX ix_handoff_audit_copilot ON handoff_audit (at) WHERE action IN ('copilot.used', 'copilot.dismissed');
        """);

    public Task<ConversationCounts> CountConversationsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("""
                SELECT count(*), count(*) FILTER (WHERE handoffs > 0) FROM analytics_conversation WHERE started_at >= @from AND started_at < @to
                """).WithTime("from", from).WithTime("to", to);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new ConversationCounts(reader.GetInt64(0), reader.GetInt64(1));
        }, cancellationToken);

    // Two range reads: the counts added up by trigger, category and queue, then the five distributions (one sort each).
    public Task<HandoffPeriod> ReadHandoffsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var groups = session.Command($"""
                SELECT trigger, category, queue, count(*), count(*) FILTER (WHERE outcome = {(int)HandoffOutcome.Cancelled}),
                       count(*) FILTER (WHERE outcome = {(int)HandoffOutcome.Unassigned}), count(accepted_at), coalesce(sum(transfers), 0),
                       count(*) FILTER (WHERE transfers > 0), count(*) FILTER (WHERE reopen),
                       count(csat) FILTER (WHERE accepted_at IS NOT NULL), coalesce(sum(csat) FILTER (WHERE accepted_at IS NOT NULL), 0),
                       count(csat) FILTER (WHERE accepted_at IS NULL), coalesce(sum(csat) FILTER (WHERE accepted_at IS NULL), 0)
                FROM analytics_handoff WHERE created_at >= @from AND created_at < @to GROUP BY trigger, category, queue
                """).WithTime("from", from).WithTime("to", to);
            var counted = await groups.ListAsync(r => new HandoffGroup(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4),
                r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetInt64(13)), cancellationToken);
            string[] columns = ["wait_us", "accept_us", "handle_us", "escalate_us", "escalate_turns"];
            await using var spread = session.Command($"""
                SELECT {string.Join(", ", columns.Select(c => $"count({c}), coalesce(sum({c}), 0)::bigint, percentile_disc(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY {c}::bigint)"))}
                FROM analytics_handoff WHERE created_at >= @from AND created_at < @to
                """).WithTime("from", from).WithTime("to", to);
            await using var reader = await spread.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var read = new Distribution[columns.Length];
            for (var i = 0; i < read.Length; i++)
            {
                // Count, total, and the p50 and p90 (bigint[]); NULL when no handoff of the period has the value.
                read[i] = reader.IsDBNull(i * 3 + 2)
                    ? Distribution.None
                    : reader.GetFieldValue<long[]>(i * 3 + 2) is [var p50, var p90]
                        ? new Distribution(reader.GetInt64(i * 3), reader.GetInt64(i * 3 + 1), p50, p90)
                        : throw new InvalidOperationException("percentile_disc returned an unexpected array.");
            }
            return new HandoffPeriod(counted, new HandoffDurations(read[0], read[1], read[2], read[3], read[4]));
        }, cancellationToken);

    // The partial index holds the co-pilot entries only.
    public Task<CopilotCounts> CountCopilotAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("""
                SELECT count(*) FILTER (WHERE action = 'copilot.used'), count(*) FILTER (WHERE action = 'copilot.dismissed') FROM handoff_audit
                WHERE action IN ('copilot.used', 'copilot.dismissed') AND at >= @from AND at < @to
                """).WithTime("from", from).WithTime("to", to);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new CopilotCounts(reader.GetInt64(0), reader.GetInt64(1));
        }, cancellationToken);
}

/// <summary>
/// Keeps a handoff's analytics row in step with its transitions, inside the transition's transaction (the caller holds
/// the audit lock and the handoff's row lock). What each audit line changes is decided by <see cref="HandoffFacts"/>.
/// The open also counts the handoff on its conversation's row, which the same turn's <see cref="ConversationTurn"/>
/// locked first (opens happen only in their conversation's turn), so that row is never locked in the other order.
/// </summary>
internal static class PostgresAnalyticsFacts
{
    private static string Micros(string interval) => $"(extract(epoch FROM {interval}) * 1000000)::bigint";

    /// <summary>Queues the analytics change of <paramref name="entry"/> (deferred to the transaction's next round trip).</summary>
    public static void Apply(PostgresSession session, HandoffRecord record, HandoffAuditEntry entry)
    {
        var set = HandoffFacts.Of(entry) switch
        {
            HandoffFactChange.Open => null,
            HandoffFactChange.Offer => "offered_at = @at",
            HandoffFactChange.ClearOffer => "offered_at = NULL",
            HandoffFactChange.Accept => $"""
                outcome = {(int)HandoffOutcome.WithAgent}, accepted_at = coalesce(accepted_at, @at), wait_us = coalesce(wait_us, {Micros("@at - created_at")}),
                accept_us = coalesce(accept_us, {Micros("@at - offered_at")}), offered_at = NULL
                """,
            HandoffFactChange.Transfer => $"outcome = {(int)HandoffOutcome.Waiting}, transfers = transfers + 1",
            HandoffFactChange.End => $"outcome = {(int)HandoffOutcome.Ended}, ended_at = @at, handle_us = {Micros("@at - accepted_at")}",
            HandoffFactChange.Cancel => $"outcome = {(int)HandoffOutcome.Cancelled}, ended_at = @at, offered_at = NULL",
            HandoffFactChange.GiveUp => $"outcome = {(int)HandoffOutcome.Unassigned}, ended_at = @at, offered_at = NULL",
            _ => string.Empty,
        };
        if (set is null)
        {
            Open(session, record, HandoffFacts.OpenedAs(entry), entry.At);
        }
        else if (set.Length > 0)
        {
            session.Defer($"UPDATE analytics_handoff SET {set} WHERE handoff_id = @id").With("id", record.Id).WithTime("at", entry.At);
        }
    }

    private static void Open(PostgresSession session, HandoffRecord record, HandoffOutcome outcome, DateTimeOffset at)
    {
        session.Defer($"""
            INSERT INTO analytics_handoff (handoff_id, created_at, conversation_key, customer, trigger, category, queue, outcome, escalate_turns, escalate_us, ended_at, reopen)
            SELECT @id, @at, @conversation, @customer, @trigger, @category, @queue, @outcome, c.turns, {Micros("@at - c.started_at")}, @ended,
                   EXISTS (SELECT 1 FROM analytics_handoff p WHERE p.customer = @customer AND p.created_at >= @at - @window AND p.created_at <= @at)
            FROM (SELECT 1) AS one LEFT JOIN analytics_conversation c ON c.key = @conversation
            """)
            .WithTime("at", at).With("id", record.Id).With("conversation", record.CustomerKey).With("customer", HandoffFacts.CustomerOf(record))
            .With("trigger", HandoffFacts.TriggerOf(record)).With("category", HandoffFacts.CategoryOf(record)).With("queue", record.Queue)
            .With("outcome", (short)outcome).WithTime("ended", outcome == HandoffOutcome.Unassigned ? at : null).With("window", HandoffFacts.ReopenWindow);
        session.Defer("UPDATE analytics_conversation SET handoffs = handoffs + 1 WHERE key = @conversation").With("conversation", record.CustomerKey);
    }
}

/// <summary>Writes a <see cref="ConversationTurn"/> of a turn's commit: the conversation's row, created by its first customer message.</summary>
internal sealed class PostgresConversationTurnWriter : PostgresTurnRecordWriter<ConversationTurn>
{
    protected override Func<PostgresSession, Task> Prepare(ConversationTurn record) => session =>
    {
        session.Defer("""
            INSERT INTO analytics_conversation (key, started_at, turns) VALUES (@key, @at, 1)
            ON CONFLICT (key) DO UPDATE SET turns = analytics_conversation.turns + 1
            """).With("key", record.ConversationKey).WithTime("at", record.At);
        return Task.CompletedTask;
    };
}
