using HandoffBot.Analytics;
using HandoffBot.Handoff;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// Keeps a handoff's analytics row in step with its transitions: called with each audit line, inside the same
/// writer transaction as the transition, so the facts are never ahead of or behind the handoff.
/// </summary>
internal static class SqliteAnalyticsFacts
{
    private static readonly long Week = (long)TimeSpan.FromDays(7).TotalMicroseconds;

    public static void Apply(SqliteSession session, HandoffRecord record, HandoffAuditEntry entry)
    {
        var at = SqliteTime.ToDb(entry.At);
        switch (entry.Action)
        {
            case "open" or "unassigned" when entry.From == HandoffStatus.Bot:
                Open(session, record, entry.To == HandoffStatus.Unassigned ? HandoffOutcome.Unassigned : HandoffOutcome.Waiting, at);
                break;
            case "offer":
                Update(session, "offered_at = $at", record.Id, at);
                break;
            case "decline" or "expire" or "withdraw":
                Update(session, "offered_at = NULL", record.Id, at);
                break;
            case "accept":
                Update(session, $"""
                    outcome = {(int)HandoffOutcome.WithAgent}, accepted_at = coalesce(accepted_at, $at), wait_us = coalesce(wait_us, $at - created_at),
                    accept_us = coalesce(accept_us, $at - offered_at), offered_at = NULL
                    """, record.Id, at);
                break;
            case "transfer":
                Update(session, $"outcome = {(int)HandoffOutcome.Waiting}, transfers = transfers + 1", record.Id, at);
                break;
            case "end":
                Update(session, $"outcome = {(int)HandoffOutcome.Ended}, ended_at = $at, handle_us = $at - accepted_at", record.Id, at);
                break;
            case "cancel":
                Update(session, $"outcome = {(int)HandoffOutcome.Cancelled}, ended_at = $at, offered_at = NULL", record.Id, at);
                break;
            case "unassigned":
                Update(session, $"outcome = {(int)HandoffOutcome.Unassigned}, ended_at = $at, offered_at = NULL", record.Id, at);
                break;
            default:
                break;
        }
    }

    /// <summary>The trigger that decided the handoff: the strongest fired trigger of its packet.</summary>
    public static string TriggerOf(HandoffRecord record) =>
        record.Packet?.Triggers.Where(t => t.Fired).OrderByDescending(t => t.Score).FirstOrDefault()?.Name ?? "none";

    /// <summary>Who the customer is across conversations (a reopen is the same customer escalating again).</summary>
    public static string CustomerOf(HandoffRecord record) =>
        record.Customer.User?.Id is { Length: > 0 } user ? $"{record.Customer.ChannelId}/users/{user}" : record.CustomerKey;

    private static void Open(SqliteSession session, HandoffRecord record, HandoffOutcome outcome, long at)
    {
        var customer = CustomerOf(record);
        session.Command("""
            INSERT INTO analytics_handoff (created_at, handoff_id, conversation_key, customer, trigger, category, queue, outcome, escalate_turns, escalate_us, ended_at, reopen)
            SELECT $at, $id, $conversation, $customer, $trigger, $category, $queue, $outcome, c.turns, $at - c.started_at, $ended,
                   EXISTS (SELECT 1 FROM analytics_handoff p WHERE p.customer = $customer AND p.created_at >= $at - $week AND p.created_at <= $at)
            FROM (SELECT 1) LEFT JOIN analytics_conversation c ON c.key = $conversation
            """)
            .With("$at", at).With("$id", record.Id).With("$conversation", record.CustomerKey).With("$customer", customer)
            .With("$trigger", TriggerOf(record)).With("$category", record.Packet?.Category ?? "none").With("$queue", record.Queue)
            .With("$outcome", (int)outcome).With("$ended", outcome == HandoffOutcome.Unassigned ? at : (object?)null).With("$week", Week)
            .ExecuteNonQuery();
        session.Command("UPDATE analytics_conversation SET handoffs = handoffs + 1 WHERE key = $conversation")
            .With("$conversation", record.CustomerKey)
            .ExecuteNonQuery();
    }

    private static void Update(SqliteSession session, string set, string id, long at) =>
        session.Command($"UPDATE analytics_handoff SET {set} WHERE handoff_id = $id")
            .With("$id", id).With("$at", at)
            .ExecuteNonQuery();
}
