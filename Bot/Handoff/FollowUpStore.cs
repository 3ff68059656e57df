using HandoffBot.Pipeline;
using HandoffBot.Storage;

namespace HandoffBot.Handoff;

/// <summary>A message a customer left for follow-up when no agent was available; a record of that customer's turn.</summary>
public sealed record FollowUpMessage(string HandoffId, string CustomerKey, string ChannelId, string UserId, string Text, DateTimeOffset At) : ITurnRecord;

/// <summary>The customer's score (1-5) for a handoff, given in a turn; a second answer replaces the first.</summary>
public sealed record SatisfactionScore : ITurnRecord
{
    public SatisfactionScore(string handoffId, string customerKey, string? agentId, int score, DateTimeOffset at)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(score, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(score, 5);
        (HandoffId, CustomerKey, AgentId, Score, At) = (handoffId, customerKey, agentId, score, at);
    }

    public string HandoffId { get; }

    public string CustomerKey { get; }

    public string? AgentId { get; }

    public int Score { get; }

    public DateTimeOffset At { get; }
}

/// <summary>
/// Satisfaction scores given after a handoff, and messages left for follow-up. Both are written as records of the
/// customer's turn (<see cref="TurnWrites.Add"/>); this store reads them.
/// </summary>
public interface IHandoffFeedbackStore
{
    Task<int?> GetSatisfactionAsync(string handoffId, CancellationToken cancellationToken);

    Task<IReadOnlyList<FollowUpMessage>> ListFollowUpsAsync(CancellationToken cancellationToken);
}
