using HandoffBot.Storage;

namespace HandoffBot.Analytics;

/// <summary>
/// A customer's message in a conversation: a record of that customer's turn. The provider keeps one row per
/// conversation (when it started, how many messages so far), so a handoff knows how many turns it took to escalate.
/// </summary>
public sealed record ConversationTurn(string ConversationKey, DateTimeOffset At) : ITurnRecord;

/// <summary>What happened to one handoff, as the analytics need it (the provider keeps it next to each transition).</summary>
public sealed record HandoffFact(
    string HandoffId,
    DateTimeOffset CreatedAt,
    string Trigger,
    string Category,
    string Queue,
    HandoffOutcome Outcome,
    int? EscalateTurns,
    TimeSpan? TimeToEscalate,
    TimeSpan? Wait,
    TimeSpan? Accept,
    TimeSpan? Handle,
    int Transfers,
    bool Reopen,
    bool HadAgent,
    int? Csat);

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

    /// <summary>Every handoff opened in [from, to), in the order they opened.</summary>
    Task<IReadOnlyList<HandoffFact>> ReadHandoffsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    Task<CopilotCounts> CountCopilotAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
