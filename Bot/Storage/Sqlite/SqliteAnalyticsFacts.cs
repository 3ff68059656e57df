using HandoffBot.Analytics;
using HandoffBot.Handoff;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// Keeps a handoff's analytics row in step with its transitions: called with each audit line, inside the same
/// writer transaction as the transition, so the facts are never ahead of or behind the handoff. What each line changes
/// is decided by <see cref="HandoffFacts"/>; this only writes it.
/// </summary>
internal static class SqliteAnalyticsFacts
{
    private static readonly long Week = (long)HandoffFacts.ReopenWindow.TotalMicroseconds;

    public static void Apply(SqliteSession session, HandoffRecord record, HandoffAuditEntry entry)
    {
        var at = SqliteTime.ToDb(entry.At);
        var set = HandoffFacts.Of(entry) switch
        {
            HandoffFactChange.Open => null,
            HandoffFactChange.Offer => "offered_at = $at",
            HandoffFactChange.ClearOffer => "offered_at = NULL",
            HandoffFactChange.Accept => $"""
                outcome = {(int)HandoffOutcome.WithAgent}, accepted_at = coalesce(accepted_at, $at), wait_us = coalesce(wait_us, $at - created_at),
                accept_us = coalesce(accept_us, $at - offered_at), offered_at = NULL
                """,
            HandoffFactChange.Transfer => $"outcome = {(int)HandoffOutcome.Waiting}, transfers = transfers + 1",
            HandoffFactChange.End => $"outcome = {(int)HandoffOutcome.Ended}, ended_at = $at, handle_us = $at - accepted_at",
            HandoffFactChange.Cancel => $"outcome = {(int)HandoffOutcome.Cancelled}, ended_at = $at, offered_at = NULL",
            HandoffFactChange.GiveUp => $"outcome = {(int)HandoffOutcome.Unassigned}, ended_at = $at, offered_at = NULL",
            _ => string.Empty,
        };
        if (set is null)
        {
            Open(session, record, HandoffFacts.OpenedAs(entry), at);
        }
        else if (set.Length > 0)
        {
            session.Command($"UPDATE analytics_handoff SET {set} WHERE handoff_id = $id")
                .With("$id", record.Id).With("$at", at)
                .ExecuteNonQuery();
        }
    }

    private static void Open(SqliteSession session, HandoffRecord record, HandoffOutcome outcome, long at)
    {
        var customer = HandoffFacts.CustomerOf(record);
        session.Command("""
            INSERT INTO analytics_handoff (created_at, handoff_id, conversation_key, customer, trigger, category, queue, outcome, escalate_turns, escalate_us, ended_at, reopen)
            SELECT $at, $id, $conversation, $customer, $trigger, $category, $queue, $outcome, c.turns, $at - c.started_at, $ended,
                   EXISTS (SELECT 1 FROM analytics_handoff p WHERE p.customer = $customer AND p.created_at >= $at - $week AND p.created_at <= $at)
            FROM (SELECT 1) LEFT JOIN analytics_conversation c ON c.key = $conversation
            """)
            .With("$at", at).With("$id", record.Id).With("$conversation", record.CustomerKey).With("$customer", customer)
            .With("$trigger", HandoffFacts.TriggerOf(record)).With("$category", HandoffFacts.CategoryOf(record)).With("$queue", record.Queue)
            .With("$outcome", (int)outcome).With("$ended", outcome == HandoffOutcome.Unassigned ? at : (object?)null).With("$week", Week)
            .ExecuteNonQuery();
        session.Command("UPDATE analytics_conversation SET handoffs = handoffs + 1 WHERE key = $conversation")
            .With("$conversation", record.CustomerKey)
            .ExecuteNonQuery();
    }
}
