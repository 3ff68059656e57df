using HandoffBot.Escalation.Text;
using HandoffBot.Resources;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// Rule-based categories: each configured category's phrases, from the lexicon of the activity's language
/// (<c>Resources/Lexicons/category.{language}.json</c>) and from configuration, are matched; the category with the
/// most matches wins (ties go to the higher priority). A phrase right after a negation cue of the language ("kein
/// Anwalt") does not count. The signal carries the category and the phrases matched as evidence.
/// </summary>
internal sealed class CategoryTrigger : IEscalationTrigger
{
    /// <summary>The phrase lists, <c>Resources/Lexicons/category.{language}.json</c>.</summary>
    public const string LexiconName = "category";

    private const int NegationWindow = 3;

    private readonly string[] _categories;
    private readonly EscalationPriority[] _priorities;
    private readonly Lexicon<CategoryLexicon> _lexicons;

    public CategoryTrigger(IOptions<EscalationOptions> options, LexiconFolder lexicons)
    {
        var settings = options.Value.Triggers.Category;
        _categories = [.. settings.Categories.Keys.Order(StringComparer.Ordinal)];
        _priorities = [.. _categories.Select(c => settings.Categories[c].Priority)];
        _lexicons = lexicons.Load(LexiconName, LexiconJsonContext.Default.CategoryLexiconFile, file => new CategoryLexicon(file, _categories, settings));
        if (settings.Enabled)
        {
            foreach (var (category, index) in _categories.Select((c, i) => (c, i)))
            {
                if (!_lexicons.English.CategoryOfPhrase.Contains(index))
                {
                    throw new InvalidDataException(
                        $"Escalation:Triggers:Category:Categories:{category} has no phrases: add them to Resources/Lexicons/{LexiconName}.en.json or to its Phrases.");
                }
            }
        }
    }

    public string Name => TriggerNames.Category;

    public ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Evaluate(turn.Tokens, _lexicons.For(turn.Activity.Locale)));

    internal EscalationSignal? Evaluate(TokenizedText text, CategoryLexicon lexicon)
    {
        Span<PhraseMatch> matches = stackalloc PhraseMatch[16];
        var count = lexicon.Matcher.FindAll(text, matches);
        if (count == 0)
        {
            return null;
        }
        Span<int> votes = stackalloc int[_categories.Length];
        Evidence? negated = null;
        for (var m = 0; m < count; m++)
        {
            if (lexicon.NegationCues.Words.Count > 0 && text.IsNegatedBefore(matches[m].First, NegationWindow, lexicon.NegationCues, lexicon.NegationBridge))
            {
                negated ??= text.Evidence(Math.Max(0, matches[m].First - 1), matches[m].Last, "phrase");
                matches[m] = matches[m] with { Phrase = -1 };
                continue;
            }
            votes[lexicon.CategoryOfPhrase[matches[m].Phrase]]++;
        }
        var winner = 0;
        for (var c = 1; c < _categories.Length; c++)
        {
            if (votes[c] > votes[winner] || (votes[c] == votes[winner] && _priorities[c] > _priorities[winner]))
            {
                winner = c;
            }
        }
        if (votes[winner] == 0)
        {
            return new EscalationSignal(Name, 0, false, $"Category words, but negated: \"{negated!.Text}\".", [negated]);
        }
        var category = _categories[winner];
        var evidence = new List<Evidence>(votes[winner]);
        for (var m = 0; m < count; m++)
        {
            if (matches[m].Phrase >= 0 && lexicon.CategoryOfPhrase[matches[m].Phrase] == winner)
            {
                evidence.Add(text.Evidence(matches[m].First, matches[m].Last, "phrase"));
            }
        }
        var score = Math.Min(1.0, 0.8 + (0.1 * (evidence.Count - 1)));
        return new EscalationSignal(Name, score, true, $"Looks like {category}: \"{evidence[0].Text}\".", evidence, category);
    }
}
