using HandoffBot.Escalation.Text;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// Rule-based categories: each configured category's phrases are matched; the category with the most matches wins
/// (ties go to the higher priority). The signal carries the category and the phrases matched as evidence.
/// </summary>
internal sealed class CategoryTrigger : IEscalationTrigger
{
    private readonly PhraseMatcher _matcher;
    private readonly string[] _categoryOfPhrase;
    private readonly string[] _categories;
    private readonly EscalationPriority[] _priorities;

    public CategoryTrigger(IOptions<EscalationOptions> options)
    {
        var phrases = new List<string>();
        var owners = new List<string>();
        var rules = options.Value.Triggers.Category.Categories;
        _categories = [.. rules.Keys.Order(StringComparer.Ordinal)];
        _priorities = [.. _categories.Select(c => rules[c].Priority)];
        foreach (var category in _categories)
        {
            foreach (var phrase in rules[category].Phrases)
            {
                phrases.Add(phrase);
                owners.Add(category);
            }
        }
        _matcher = new PhraseMatcher(phrases);
        _categoryOfPhrase = [.. owners];
    }

    public string Name => TriggerNames.Category;

    public ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Evaluate(turn.Tokens));

    internal EscalationSignal? Evaluate(TokenizedText text)
    {
        Span<PhraseMatch> matches = stackalloc PhraseMatch[16];
        var count = _matcher.FindAll(text, matches);
        if (count == 0)
        {
            return null;
        }
        Span<int> votes = stackalloc int[_categories.Length];
        for (var m = 0; m < count; m++)
        {
            votes[Array.IndexOf(_categories, _categoryOfPhrase[matches[m].Phrase])]++;
        }
        var winner = 0;
        for (var c = 1; c < _categories.Length; c++)
        {
            if (votes[c] > votes[winner] || (votes[c] == votes[winner] && _priorities[c] > _priorities[winner]))
            {
                winner = c;
            }
        }
        var category = _categories[winner];
        var evidence = new List<Evidence>(votes[winner]);
        for (var m = 0; m < count; m++)
        {
            if (ReferenceEquals(_categoryOfPhrase[matches[m].Phrase], category))
            {
                evidence.Add(text.Evidence(matches[m].First, matches[m].Last, "phrase"));
            }
        }
        var score = Math.Min(1.0, 0.8 + (0.1 * (evidence.Count - 1)));
        return new EscalationSignal(Name, score, true, $"Looks like {category}: \"{evidence[0].Text}\".", evidence, category);
    }
}
