using HandoffBot.Escalation.Text;
using HandoffBot.Resources;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// Urgency phrases ("urgent", "asap", "right now", "emergency"), unless the message says there is none ("no rush",
/// "not urgent"): a phrase preceded by a negation in its clause (up to four words before it, "not really urgent"), or
/// any negating phrase, cancels it. The phrases and cues are the lexicon of the activity's language.
/// </summary>
internal sealed class UrgencyTrigger(IOptions<EscalationOptions> options, LexiconFolder lexicons) : IEscalationTrigger
{
    /// <summary>The phrase lists, <c>Resources/Lexicons/urgency.{language}.json</c>.</summary>
    public const string LexiconName = "urgency";

    private readonly Lexicon<UrgencyLexicon> _lexicons = lexicons.Load(
        LexiconName, LexiconJsonContext.Default.UrgencyLexiconFile, file => new UrgencyLexicon(file, options.Value.Triggers.Urgency));

    public string Name => TriggerNames.Urgency;

    public ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Evaluate(turn.Tokens, _lexicons.For(turn.Activity.Locale)));

    internal EscalationSignal? Evaluate(TokenizedText text, UrgencyLexicon lexicon)
    {
        Span<PhraseMatch> matches = stackalloc PhraseMatch[8];
        var count = lexicon.Phrases.FindAll(text, matches);
        if (count == 0)
        {
            return null;
        }
        Span<PhraseMatch> negations = stackalloc PhraseMatch[4];
        if (lexicon.NegatedBy.FindAll(text, negations) > 0)
        {
            var said = text.Evidence(negations[0].First, negations[0].Last, "phrase");
            return new EscalationSignal(Name, 0, false, $"Urgency words, but the customer said \"{said.Text}\".", [said]);
        }
        List<Evidence>? evidence = null;
        Evidence? negated = null;
        for (var m = 0; m < count; m++)
        {
            var match = matches[m];
            if (text.IsNegatedBefore(match.First, 4, lexicon.NegationCues, lexicon.NegationBridge))
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
}
