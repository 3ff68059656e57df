using HandoffBot.Escalation.Text;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// <c>Resources/Lexicons/urgency.{language}.json</c>: urgency phrases, phrases that say there is no urgency, and the
/// negation cues (with the words that may stand between a cue and the phrase) that cancel a phrase in its clause.
/// </summary>
internal sealed class UrgencyLexiconFile
{
    public required List<string> Phrases { get; init; }
    public required List<string> NegatedBy { get; init; }
    public required WordSet NegationCues { get; init; }
    public required WordSet NegationBridge { get; init; }
}

/// <summary>
/// <c>Resources/Lexicons/category.{language}.json</c>: phrases per category (the category's queue, skill and priority
/// are configuration), and negation cues that cancel a phrase right after them ("kein Anwalt"); none in English.
/// </summary>
internal sealed class CategoryLexiconFile
{
    public required Dictionary<string, List<string>> Categories { get; init; }
    public required WordSet NegationCues { get; init; }
    public required WordSet NegationBridge { get; init; }
}

/// <summary>An urgency lexicon compiled, with the configured phrases (Escalation:Triggers:Urgency) added to every language.</summary>
internal sealed class UrgencyLexicon(UrgencyLexiconFile file, UrgencyTriggerOptions options)
{
    public PhraseMatcher Phrases { get; } = PhraseLexicon.Matcher(file.Phrases, options.Phrases, "phrases", required: true);
    public PhraseMatcher NegatedBy { get; } = PhraseLexicon.Matcher(file.NegatedBy, options.NegatedBy, "negatedBy", required: false);
    public WordSet NegationCues { get; } = file.NegationCues;
    public WordSet NegationBridge { get; } = file.NegationBridge;
}

/// <summary>
/// A category lexicon compiled for the configured categories (sorted by name): one matcher over every phrase, the
/// category of each phrase, and the negation cues. A category in the file that is not configured is an error (it
/// would have no queue); configured phrases (Escalation:Triggers:Category:Categories:x:Phrases) apply to every language.
/// </summary>
internal sealed class CategoryLexicon
{
    public CategoryLexicon(CategoryLexiconFile file, IReadOnlyList<string> categories, CategoryTriggerOptions options)
    {
        foreach (var name in file.Categories.Keys)
        {
            if (!options.Categories.ContainsKey(name))
            {
                throw new InvalidDataException(
                    $"the category '{name}' is not configured under Escalation:Triggers:Category:Categories (it needs a Queue, a Skill and a Priority)");
            }
        }
        var phrases = new List<string>();
        var owners = new List<int>();
        for (var c = 0; c < categories.Count; c++)
        {
            var shipped = file.Categories.FirstOrDefault(kv => string.Equals(kv.Key, categories[c], StringComparison.OrdinalIgnoreCase)).Value ?? [];
            foreach (var phrase in shipped.Concat(options.Categories[categories[c]].Phrases).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (PhraseMatcher.Validate(phrase) is { } error)
                {
                    throw new InvalidDataException($"categories.{categories[c]}: {error}");
                }
                phrases.Add(phrase);
                owners.Add(c);
            }
        }
        Matcher = new PhraseMatcher(phrases);
        CategoryOfPhrase = [.. owners];
        NegationCues = file.NegationCues;
        NegationBridge = file.NegationBridge;
    }

    public PhraseMatcher Matcher { get; }

    /// <summary>For each phrase of <see cref="Matcher"/>, the index of its category.</summary>
    public int[] CategoryOfPhrase { get; }
    public WordSet NegationCues { get; }
    public WordSet NegationBridge { get; }
}

internal static class PhraseLexicon
{
    /// <summary>The shipped phrases and the configured ones (each once), checked; <paramref name="list"/> names them in errors.</summary>
    public static PhraseMatcher Matcher(List<string> shipped, List<string> configured, string list, bool required)
    {
        var phrases = shipped.Concat(configured).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (required && phrases.Count == 0)
        {
            throw new InvalidDataException($"{list} is empty");
        }
        foreach (var phrase in phrases)
        {
            if (PhraseMatcher.Validate(phrase) is { } error)
            {
                throw new InvalidDataException($"{list}: {error}");
            }
        }
        return new PhraseMatcher(phrases);
    }
}
