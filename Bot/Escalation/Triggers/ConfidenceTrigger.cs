using System.Globalization;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// The assistant's answer confidence, after it answered: a low-confidence turn counts, and
/// <see cref="ConfidenceTriggerOptions.RepeatTurns"/> of them in a row fire.
/// </summary>
internal sealed class ConfidenceTrigger(IOptions<EscalationOptions> options) : IPostAnswerTrigger
{
    private readonly ConfidenceTriggerOptions _options = options.Value.Triggers.Confidence;

    public string Name => TriggerNames.Confidence;

    public ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Evaluate(turn));

    internal EscalationSignal? Evaluate(TurnSnapshot turn)
    {
        if (turn.AnswerConfidence is not { } confidence || confidence >= _options.Threshold)
        {
            return null;
        }
        var turns = turn.History.Turns;
        var inRow = 1;
        for (var i = turns.Count - 1; i >= 0 && inRow < _options.RepeatTurns; i--)
        {
            if (turns[i].AnswerConfidence is not { } earlier || earlier >= _options.Threshold)
            {
                break;
            }
            inRow++;
        }
        var fired = inRow >= _options.RepeatTurns;
        var score = Math.Clamp(1 - (confidence / _options.Threshold), 0, 1) * 0.5 + (fired ? 0.5 : 0);
        var reason = fired
            ? string.Create(CultureInfo.InvariantCulture, $"The assistant was unsure {inRow} turn(s) in a row (confidence {confidence:F2} < {_options.Threshold:F2}).")
            : string.Create(CultureInfo.InvariantCulture, $"The assistant is unsure (confidence {confidence:F2} < {_options.Threshold:F2}); {_options.RepeatTurns} such turns in a row escalate.");
        return new EscalationSignal(Name, score, fired, reason,
            [new Evidence(confidence.ToString("F2", CultureInfo.InvariantCulture), -1, "score")]);
    }
}
