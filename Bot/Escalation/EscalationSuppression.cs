using HandoffBot.Pipeline;

namespace HandoffBot.Escalation;

/// <summary>
/// The port through which the handoff tells escalation what happened, so that escalation alone writes its state
/// section: while a handoff for some reasons is under way they do not escalate again; after it ends they stay quiet
/// until a cool-down passes (an explicit request for a person still escalates).
/// </summary>
public interface IEscalationSuppression
{
    /// <summary>A handoff started for <paramref name="reasons"/> (trigger names and the category).</summary>
    void HandoffStarted(ConversationState state, IEnumerable<string> reasons);

    /// <summary>The handoff for <paramref name="reasons"/> ended; those reasons are quiet until <paramref name="quietUntil"/>.</summary>
    void HandoffEnded(ConversationState state, IReadOnlyList<string> reasons, DateTimeOffset quietUntil);
}

/// <summary>Keeps the suppression in the <see cref="EscalationHistory"/> section of the conversation state.</summary>
internal sealed class EscalationSuppression : IEscalationSuppression
{
    public void HandoffStarted(ConversationState state, IEnumerable<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(state);
        var history = state.Get<EscalationHistory>();
        state.Set(history with { ActiveReasons = [.. history.ActiveReasons.Union(reasons, StringComparer.OrdinalIgnoreCase)] });
    }

    public void HandoffEnded(ConversationState state, IReadOnlyList<string> reasons, DateTimeOffset quietUntil)
    {
        ArgumentNullException.ThrowIfNull(state);
        var history = state.Get<EscalationHistory>();
        state.Set(history with
        {
            ActiveReasons = [.. history.ActiveReasons.Except(reasons, StringComparer.OrdinalIgnoreCase)],
            CooldownUntil = quietUntil,
            CooldownReasons = [.. reasons],
        });
    }
}
