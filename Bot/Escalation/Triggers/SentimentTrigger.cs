using System.Globalization;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// Negative sentiment: one strongly negative message (compound at or below a threshold, or labelled negative with
/// high confidence), several negative turns in a row, or a sharp drop from the previous turn.
/// </summary>
internal sealed class SentimentTrigger(IOptions<EscalationOptions> options) : IEscalationTrigger
{
    private readonly SentimentTriggerOptions _options = options.Value.Triggers.Sentiment;

    public string Name => TriggerNames.Sentiment;

    public ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Evaluate(turn));

    internal EscalationSignal? Evaluate(TurnSnapshot turn)
    {
        if (turn.Sentiment is not { } sentiment)
        {
            return null;
        }
        var compound = sentiment.Compound;
        var negative = sentiment.ConfidenceScores.Negative;
        var score = Math.Clamp(Math.Max(-compound, negative), 0, 1);
        if (compound <= _options.CompoundAtOrBelow
            || (sentiment.Sentiment == SentimentLabels.Negative && negative >= _options.NegativeConfidenceAtLeast))
        {
            return Signal(turn, score, true, string.Create(CultureInfo.InvariantCulture,
                $"The message is strongly negative (compound {compound:F2}, negative {negative:F2})."), "sentence");
        }
        if (compound > _options.NegativeTurnCompound)
        {
            return null;
        }
        var turns = turn.History.Turns;
        var inRow = 1;
        for (var i = turns.Count - 1; i >= 0 && inRow < _options.NegativeTurnsInRow; i--)
        {
            if (turns[i].Compound > _options.NegativeTurnCompound)
            {
                break;
            }
            inRow++;
        }
        if (inRow >= _options.NegativeTurnsInRow && _options.NegativeTurnsInRow > 1)
        {
            return Signal(turn, Math.Max(score, 0.7), true, string.Create(CultureInfo.InvariantCulture,
                $"{inRow} negative turns in a row (this one: compound {compound:F2})."), "trend");
        }
        if (turns.Count > 0 && turns[^1].Compound - compound >= _options.SharpDrop)
        {
            return Signal(turn, Math.Max(score, 0.7), true, string.Create(CultureInfo.InvariantCulture,
                $"Sentiment dropped sharply: compound {turns[^1].Compound:F2} to {compound:F2}."), "trend");
        }
        return Signal(turn, score, false, string.Create(CultureInfo.InvariantCulture,
            $"The message is negative (compound {compound:F2}) but below the thresholds."), "sentence");
    }

    private EscalationSignal Signal(TurnSnapshot turn, double score, bool fired, string reason, string kind)
    {
        var sentences = turn.Sentiment!.Sentences;
        var worst = -1;
        for (var i = 0; i < sentences.Count; i++)
        {
            if (worst < 0 || sentences[i].ConfidenceScores.Negative > sentences[worst].ConfidenceScores.Negative)
            {
                worst = i;
            }
        }
        Evidence evidence = worst >= 0
            ? new(sentences[worst].Text, sentences[worst].Offset, kind == "trend" ? "trend" : "sentence")
            : new(turn.Text, 0, kind);
        return new EscalationSignal(Name, score, fired, reason, [evidence]);
    }
}
