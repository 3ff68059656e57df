using HandoffBot.Storage;

namespace HandoffBot.Analytics;

/// <summary>
/// A customer's message in a conversation: a record of that customer's turn. The provider keeps one row per
/// conversation (when it started, how many messages so far), so a handoff knows how many turns it took to escalate.
/// </summary>
public sealed record ConversationTurn(string ConversationKey, DateTimeOffset At) : ITurnRecord;

/// <summary>
/// The handoffs of a period with the same trigger, category and queue (where they opened): counts and score sums, so
/// the store can add them up where the rows are.
/// </summary>
public sealed record HandoffGroup(
    string Trigger,
    string Category,
    string Queue,
    long Handoffs,
    long Abandoned,
    long Unassigned,
    long Accepted,
    long Transfers,
    long Transferred,
    long Reopened,
    long HumanScores,
    long HumanScoreTotal,
    long AssistantScores,
    long AssistantScoreTotal);

/// <summary>
/// The nearest-rank p50 and p90 of one value of a period's handoffs in its stored unit (microseconds, or customer
/// messages), how many handoffs have it and their total. Nearest rank is the smallest value with at least that share of
/// the values at or below it: the value at 1-based rank ceil(p * count), what PostgreSQL's <c>percentile_disc</c> returns.
/// </summary>
public sealed record Distribution(long Count, long Total, long? P50, long? P90)
{
    public static readonly Distribution None = new(0, 0, null, null);

    /// <summary>The 1-based rank of percentile <paramref name="p"/> among <paramref name="count"/> values (ceil in double, as PostgreSQL computes it).</summary>
    public static int Rank(double p, int count) => Math.Max(1, (int)Math.Ceiling(p * count));

    /// <summary>The distribution of <paramref name="values"/> (sorted in place).</summary>
    public static Distribution Of(List<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return None;
        }
        values.Sort();
        return new Distribution(values.Count, values.Sum(), values[Rank(0.5, values.Count) - 1], values[Rank(0.9, values.Count) - 1]);
    }
}

/// <summary>The distributions of a period's handoffs: durations in microseconds, time to escalate in messages too.</summary>
public sealed record HandoffDurations(Distribution Wait, Distribution Accept, Distribution Handle, Distribution EscalateSeconds, Distribution EscalateTurns)
{
    public static readonly HandoffDurations Empty = new(Distribution.None, Distribution.None, Distribution.None, Distribution.None, Distribution.None);
}

/// <summary>What the handoffs opened in a period add up to.</summary>
public sealed record HandoffPeriod(IReadOnlyList<HandoffGroup> Groups, HandoffDurations Durations);

/// <summary>Where a handoff ended up (or stands now).</summary>
public enum HandoffOutcome
{
    Waiting = 0,
    WithAgent = 1,
    Ended = 2,
    Cancelled = 3,
    Unassigned = 4,
}

/// <summary>The conversations that started in a period, and how many of them asked for a person.</summary>
public sealed record ConversationCounts(long Conversations, long Escalated);

/// <summary>Co-pilot suggestions the agents used or dismissed in a period (handoff audit entries <c>copilot.used</c> / <c>copilot.dismissed</c>).</summary>
public sealed record CopilotCounts(long Used, long Dismissed);

/// <summary>
/// The stored facts of a period [from, to): conversations started, handoffs opened, co-pilot use. Only the
/// provider folder knows how they are kept (fact rows written in the same commit as each transition, on SQLite and
/// PostgreSQL alike; the rules are <see cref="HandoffFacts"/>).
/// </summary>
public interface IAnalyticsStore
{
    Task<ConversationCounts> CountConversationsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>The handoffs opened in [from, to): counts by trigger, category and queue, and their durations.</summary>
    Task<HandoffPeriod> ReadHandoffsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    Task<CopilotCounts> CountCopilotAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
