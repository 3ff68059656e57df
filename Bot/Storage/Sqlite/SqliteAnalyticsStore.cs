using HandoffBot.Analytics;
using HandoffBot.Handoff;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// The analytics facts in SQLite: one row per conversation (first customer message, messages, handoffs) and one row
/// per handoff (<see cref="SqliteAnalyticsFacts"/>, kept in the same writer transaction as each transition and its
/// audit line). A period is one range read of the handoff rows, which are clustered by their opening time.
/// </summary>
internal sealed class SqliteAnalyticsStore(SqliteDatabase database) : IAnalyticsStore
{
    /// <summary>Registered after the handoff schema: it indexes the handoff audit table.</summary>
    internal sealed class Schema() : SqliteSchema("analytics", """
        CREATE TABLE IF NOT EXISTS analytics_conversation (
            key        TEXT PRIMARY KEY,
            started_at INTEGER NOT NULL,
            turns      INTEGER NOT NULL,
            handoffs   INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS ix_analytics_conversation_started ON analytics_conversation (started_at, handoffs);
        CREATE TABLE IF NOT EXISTS analytics_handoff (
            created_at       INTEGER NOT NULL,
            handoff_id       TEXT NOT NULL,
            conversation_key TEXT NOT NULL,
            customer         TEXT NOT NULL,
            trigger          TEXT NOT NULL,
            category         TEXT NOT NULL,
            queue            TEXT NOT NULL,
            outcome          INTEGER NOT NULL,
            escalate_turns   INTEGER,
            escalate_us      INTEGER,
            offered_at       INTEGER,
            accepted_at      INTEGER,
            wait_us          INTEGER,
            accept_us        INTEGER,
            ended_at         INTEGER,
            handle_us        INTEGER,
            transfers        INTEGER NOT NULL DEFAULT 0,
            reopen           INTEGER NOT NULL,
            csat             INTEGER,
            PRIMARY KEY (created_at, handoff_id)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX IF NOT EXISTS ux_analytics_handoff_id ON analytics_handoff (handoff_id);
        CREATE INDEX IF NOT EXISTS ix_analytics_handoff_customer ON analytics_handoff (customer, created_at);
        CREATE INDEX IF NOT EXISTS ix_handoff_audit_copilot ON handoff_audit (at) WHERE action IN ('copilot.used', 'copilot.dismissed');
        """);

    public Task<ConversationCounts> CountConversationsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        database.ReadAsync(session =>
        {
            using var reader = session.Command("""
                SELECT count(*), coalesce(sum(handoffs > 0), 0) FROM analytics_conversation WHERE started_at >= $from AND started_at < $to
                """)
                .With("$from", SqliteTime.ToDb(from)).With("$to", SqliteTime.ToDb(to))
                .ExecuteReader();
            reader.Read();
            return new ConversationCounts(reader.GetInt64(0), reader.GetInt64(1));
        }, cancellationToken);

    // Two range reads of the clustered rows: the counts added up by SQLite, then five integer columns for the percentiles.
    public Task<HandoffPeriod> ReadHandoffsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        database.ReadAsync(session =>
        {
            var (start, end) = (SqliteTime.ToDb(from), SqliteTime.ToDb(to));
            var groups = new List<HandoffGroup>();
            using (var reader = session.Command($"""
                SELECT trigger, category, queue, count(*), sum(outcome = {(int)HandoffOutcome.Cancelled}), sum(outcome = {(int)HandoffOutcome.Unassigned}),
                       sum(accepted_at IS NOT NULL), sum(transfers), sum(transfers > 0), sum(reopen),
                       count(CASE WHEN accepted_at IS NOT NULL THEN csat END), coalesce(sum(CASE WHEN accepted_at IS NOT NULL THEN csat END), 0),
                       count(CASE WHEN accepted_at IS NULL THEN csat END), coalesce(sum(CASE WHEN accepted_at IS NULL THEN csat END), 0)
                FROM analytics_handoff WHERE created_at >= $from AND created_at < $to GROUP BY trigger, category, queue
                """).With("$from", start).With("$to", end).ExecuteReader())
            {
                while (reader.Read())
                {
                    groups.Add(new HandoffGroup(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                        reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10),
                        reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13)));
                }
            }
            // The nearest-rank percentiles are picked here from the five columns (PostgreSQL picks them in the query).
            List<long>[] columns = [[], [], [], [], []];
            using (var reader = session.Command("""
                SELECT wait_us, accept_us, handle_us, escalate_us, escalate_turns FROM analytics_handoff WHERE created_at >= $from AND created_at < $to
                """).With("$from", start).With("$to", end).ExecuteReader())
            {
                while (reader.Read())
                {
                    for (var column = 0; column < columns.Length; column++)
                    {
                        if (!reader.IsDBNull(column))
                        {
                            columns[column].Add(reader.GetInt64(column));
                        }
                    }
                }
            }
            var durations = new HandoffDurations(Distribution.Of(columns[0]), Distribution.Of(columns[1]), Distribution.Of(columns[2]),
                Distribution.Of(columns[3]), Distribution.Of(columns[4]));
            return new HandoffPeriod(groups, durations);
        }, cancellationToken);

    // The partial index holds the co-pilot entries only.
    public Task<CopilotCounts> CountCopilotAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        database.ReadAsync(session =>
        {
            long used = 0, dismissed = 0;
            using var reader = session.Command("""
                SELECT action, count(*) FROM handoff_audit
                WHERE action IN ('copilot.used', 'copilot.dismissed') AND at >= $from AND at < $to GROUP BY action
                """)
                .With("$from", SqliteTime.ToDb(from)).With("$to", SqliteTime.ToDb(to))
                .ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetString(0) == "copilot.used")
                {
                    used = reader.GetInt64(1);
                }
                else
                {
                    dismissed = reader.GetInt64(1);
                }
            }
            return new CopilotCounts(used, dismissed);
        }, cancellationToken);
}

/// <summary>Writes a <see cref="ConversationTurn"/> of a turn's commit: the conversation's row, created by its first customer message.</summary>
internal sealed class SqliteConversationTurnWriter : SqliteTurnRecordWriter<ConversationTurn>
{
    protected override Action<SqliteSession> Prepare(ConversationTurn record)
    {
        var at = SqliteTime.ToDb(record.At);
        return session => session.Command("""
                INSERT INTO analytics_conversation (key, started_at, turns) VALUES ($key, $at, 1)
                ON CONFLICT(key) DO UPDATE SET turns = turns + 1
                """)
            .With("$key", record.ConversationKey).With("$at", at)
            .ExecuteNonQuery();
    }
}
