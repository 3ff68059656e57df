using HandoffBot.Escalation;

namespace HandoffBot.Tests.Escalation;

/// <summary>What a test reads of an <see cref="EscalationDecision"/>.</summary>
internal static class Decisions
{
    /// <summary>The signal of <paramref name="trigger"/> when it fired, else null.</summary>
    public static EscalationSignal? FiredSignal(this EscalationDecision decision, string trigger) =>
        decision.Signals.FirstOrDefault(s => s.Fired && s.Trigger == trigger);
}
