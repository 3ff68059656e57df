using System.Collections.Frozen;

namespace HandoffBot.Escalation.Sentiment;

/// <summary>
/// Multi-word phrases with a valence, matched on lower-cased tokens without allocating: indexed by first word,
/// longest phrase first. Used for VADER's idioms and for the customer-service cues.
/// </summary>
internal sealed class PhraseTable
{
    private readonly FrozenDictionary<string, Phrase[]>.AlternateLookup<ReadOnlySpan<char>> byFirstWord;

    public PhraseTable(IEnumerable<(string Phrase, float Valence)> phrases)
    {
        var list = new List<Phrase>();
        foreach (var (text, valence) in phrases)
        {
            var words = text.ToLowerInvariant().Replace('\u2019', '\'')
                .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length == 0)
            {
                throw new ArgumentException("A sentiment phrase must have at least one word.", nameof(phrases));
            }
            list.RemoveAll(p => p.Words.AsSpan().SequenceEqual(words));
            list.Add(new Phrase(words, valence, text));
        }
        Count = list.Count;
        byFirstWord = list
            .GroupBy(p => p.Words[0], StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.OrderByDescending(p => p.Words.Length).ToArray(), StringComparer.Ordinal)
            .GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count { get; }

    /// <summary>Candidate phrases starting with this word (longest first), or empty.</summary>
    public ReadOnlySpan<Phrase> StartingWith(ReadOnlySpan<char> lowerToken) =>
        byFirstWord.TryGetValue(lowerToken, out var phrases) ? phrases : [];

    internal sealed record Phrase(string[] Words, float Valence, string Text);
}

/// <summary>
/// Frustration cues of customer-service messages that a general lexicon misses or under-weights ("third time",
/// "still not fixed", "waste of time", "cancel my account"). Each phrase replaces the valence of its words with its
/// own; a negation in the three words before it flips it like a lexicon word. Switched by
/// <c>Sentiment:CustomerServiceCues</c>; more phrases (or other valences) in <c>Sentiment:ExtraCues</c>.
/// </summary>
internal static class CustomerServiceCues
{
    public static readonly (string Phrase, float Valence)[] Defaults =
    [
        // Repetition: the customer has tried before.
        ("second time", -1.5f), ("third time", -2.5f), ("fourth time", -2.8f), ("fifth time", -3f),
        ("for the last time", -1.5f),
        ("keep getting", -1f), ("keeps happening", -2f), ("keeps crashing", -2.3f),
        // Still broken.
        ("still not fixed", -2.5f), ("still not working", -2.5f), ("still not resolved", -2.5f),
        ("still isn't working", -2.5f), ("still doesn't work", -2.5f), ("still broken", -2.6f),
        ("still waiting", -2f), ("still haven't", -1.8f), ("still hasn't", -1.8f), ("still no", -1.8f),
        ("not fixed", -1.8f), ("not resolved", -1.8f), ("doesn't work", -1.8f), ("does not work", -1.8f),
        ("not working", -1.8f), ("isn't working", -1.8f), ("stopped working", -1.8f), ("never arrived", -2f),
        ("never received", -2f), ("charged twice", -2.2f), ("double charged", -2.2f),
        // Time and patience.
        ("waste of time", -2.6f), ("waste of my time", -2.8f), ("on hold", -1.2f), ("nobody answers", -2f),
        ("no one answers", -2f), ("nobody replied", -2f), ("no response", -1.5f), ("fed up", -2.5f),
        ("sick of", -2.3f), ("sick and tired", -2.8f), ("had enough", -2.3f), ("so done with", -2.3f),
        // Judgements stronger in service talk than in the lexicon.
        ("ridiculous", -2.3f), ("unacceptable", -2.8f), ("what a joke", -2.5f), ("is a joke", -2.3f),
        ("never again", -2.3f), ("worst service", -3.2f), ("terrible service", -3f), ("useless", -2.3f),
        // "number" (order, card, account number) carries no sentiment in service talk. ("please" reads positive
        // in the lexicon too, but neutralising it cost 0.001 F1 on the tweets: left as VADER has it.)
        ("number", 0f),
        // Leaving.
        ("cancel my account", -2.2f), ("cancel my subscription", -2.2f), ("close my account", -2f),
        ("cancel my order", -1.2f), ("switching to", -1.5f), ("want my money back", -2.2f),
    ];

    public static PhraseTable Create(IReadOnlyDictionary<string, double>? extra)
    {
        var phrases = Defaults.AsEnumerable();
        if (extra is { Count: > 0 })
        {
            phrases = phrases.Concat(extra.Select(e => (e.Key, (float)e.Value)));
        }
        return new PhraseTable(phrases);
    }
}
