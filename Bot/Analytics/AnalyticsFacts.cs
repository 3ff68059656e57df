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

/// <summary>The durations of a period's handoffs, in seconds, one entry per handoff that has the value (unsorted).</summary>
public sealed record HandoffDurations(List<double> Wait, List<double> Accept, List<double> Handle, List<double> EscalateSeconds, List<double> EscalateTurns)
{
    public static HandoffDurations Empty() => new([], [], [], [], []);
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
/// provider folder knows how they are kept (SQLite: fact rows written in the same commit as each transition).
/// </summary>
public interface IAnalyticsStore
{
    Task<ConversationCounts> CountConversationsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>The handoffs opened in [from, to): counts by trigger, category and queue, and their durations.</summary>
    Task<HandoffPeriod> ReadHandoffsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    Task<CopilotCounts> CountCopilotAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
