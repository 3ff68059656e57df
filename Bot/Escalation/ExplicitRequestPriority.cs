using HandoffBot.Escalation.Text;
using HandoffBot.Escalation.Triggers;
using HandoffBot.Hosting;
using HandoffBot.Protocol;

namespace HandoffBot.Escalation;

/// <summary>
/// A queued customer message that asks for a person in so many words (the explicit-request rule, which also explains
/// the decision) runs ahead of routine turns of other conversations (<see cref="TurnQueue"/>).
/// </summary>
internal sealed class ExplicitRequestPriority(HumanRequestTrigger trigger) : ITurnPriority
{
    /// <summary>Longer messages are left in order: the rule is a cheap look, and long texts cost more to read.</summary>
    private const int MaxLength = 280;

    public bool IsUrgent(Activity activity) =>
        activity.IsType(ActivityTypes.Message) && activity.Text is { Length: > 0 and <= MaxLength } text
        && trigger.Evaluate(TokenizedText.Parse(text), activity.Locale) is { Fired: true };
}
