using HandoffBot.Escalation.Text;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// Urgency phrases ("urgent", "asap", "right now", "emergency"), unless the message says there is none ("no rush",
/// "not urgent"): a phrase preceded by a negation in its clause, or any configured negating phrase, cancels it.
/// </summary>
internal sealed class UrgencyTrigger(IOptions<EscalationOptions> options) : IEscalationTrigger
{
    private static readonly WordSet NegationCues = new(["not", "no", "isnt", "nothing", "never", "without", "arent", "wasnt", "dont", "doesnt"]);

    private static readonly WordSet NegationBridge = new(["an", "a", "really", "that", "so", "very", "too", "super", "at", "all", "urgent", "big", "real", "is", "it", "need", "to", "be"]);

    private readonly PhraseMatcher _phrases = new(options.Value.Triggers.Urgency.Phrases);
    private readonly PhraseMatcher _negatedBy = new(options.Value.Triggers.Urgency.NegatedBy);

    public string Name => TriggerNames.Urgency;

    public ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Evaluate(turn.Tokens));

    internal EscalationSignal? Evaluate(TokenizedText text)
    {
        Span<PhraseMatch> matches = stackalloc PhraseMatch[8];
        var count = _phrases.FindAll(text, matches);
        if (count == 0)
        {
            return null;
        }
        Span<PhraseMatch> negations = stackalloc PhraseMatch[4];
        if (_negatedBy.FindAll(text, negations) > 0)
        {
            var said = text.Evidence(negations[0].First, negations[0].Last, "phrase");
            return new EscalationSignal(Name, 0, false, $"Urgency words, but the customer said \"{said.Text}\".", [said]);
        }
        List<Evidence>? evidence = null;
        Evidence? negated = null;
        for (var m = 0; m < count; m++)
        {
            var match = matches[m];
            if (IsNegated(text, match.First))
            {
                negated ??= text.Evidence(Math.Max(0, match.First - 1), match.Last, "phrase");
                continue;
            }
            evidence ??= [];
            evidence.Add(text.Evidence(match.First, match.Last, "phrase"));
        }
        if (evidence is null)
        {
            return new EscalationSignal(Name, 0, false, $"Urgency is negated: \"{negated!.Text}\".", [negated]);
        }
        var score = Math.Min(1.0, 0.8 + (0.1 * (evidence.Count - 1)));
        return new EscalationSignal(Name, score, true, $"The customer says it is urgent: \"{evidence[0].Text}\".", evidence);
    }

    /// <summary>A negation up to four words before the phrase, in its clause ("not really urgent").</summary>
    private static bool IsNegated(TokenizedText text, int first) => text.IsNegatedBefore(first, 4, NegationCues, NegationBridge);
}
