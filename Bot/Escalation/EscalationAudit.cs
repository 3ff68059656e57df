using HandoffBot.Pipeline;
using HandoffBot.Storage;

namespace HandoffBot.Escalation;

/// <summary>
/// One stored escalation decision: which turn, when, and the decision. A record of its turn's commit
/// (<see cref="TurnWrites.Add"/>): written with the turn, or not at all.
/// </summary>
public sealed record EscalationAuditEntry(string ConversationKey, string? ActivityId, DateTimeOffset At, bool Escalated, EscalationDecision Decision) : ITurnRecord;

/// <summary>Every escalation decision, kept with its turn for audit (written through the turn's commit only).</summary>
public interface IEscalationAuditStore
{
    Task<IReadOnlyList<EscalationAuditEntry>> ReadAsync(string conversationKey, CancellationToken cancellationToken);
}
