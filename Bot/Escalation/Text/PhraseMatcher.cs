using System.Collections.Frozen;

namespace HandoffBot.Escalation.Text;

/// <summary>One phrase found in a message: which phrase and the tokens it covers.</summary>
internal readonly record struct PhraseMatch(int Phrase, int First, int Last);

/// <summary>
/// Finds configured phrases in a tokenized message. A phrase is words separated by spaces, compared ignoring case
/// after the same normalisation as messages ("don't" = "dont"); <c>a|b</c> is either word, <c>word*</c> any word
/// starting with it, a lone <c>*</c> up to three words of anything and <c>**</c> up to six (within one clause). Phrases are indexed by
/// their first word in a frozen dictionary, so a message is scanned once: no regular expressions, no backtracking
/// beyond the small gaps.
/// </summary>
internal sealed class PhraseMatcher
{
    private const int ShortGap = 3;
    private const int LongGap = 6;

    private readonly Element[][] _phrases;
    private readonly FrozenDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _byFirstWord;
    private readonly int[] _prefixFirst;

    public PhraseMatcher(IReadOnlyList<string> phrases)
    {
        Phrases = phrases;
        _phrases = new Element[phrases.Count][];
        var byFirst = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
        var prefixFirst = new List<int>();
        for (var p = 0; p < phrases.Count; p++)
        {
            var elements = Compile(phrases[p]);
            _phrases[p] = elements;
            var first = elements[0];
            foreach (var alternative in first.Words)
            {
                if (alternative.EndsWith('*'))
                {
                    prefixFirst.Add(p);
                }
                else
                {
                    if (!byFirst.TryGetValue(alternative, out var list))
                    {
                        byFirst[alternative] = list = [];
                    }
                    list.Add(p);
                }
            }
        }
        _byFirstWord = byFirst.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.Distinct().ToArray(), StringComparer.OrdinalIgnoreCase)
            .GetAlternateLookup<ReadOnlySpan<char>>();
        _prefixFirst = [.. prefixFirst.Distinct()];
    }

    public IReadOnlyList<string> Phrases { get; }

    /// <summary>Checks a phrase's syntax; returns an error sentence or null.</summary>
    public static string? Validate(string phrase)
    {
        try
        {
            Compile(phrase);
            return null;
        }
        catch (FormatException exception)
        {
            return exception.Message;
        }
    }

    /// <summary>Writes the matches (at most <paramref name="matches"/>.Length, in order of position) and returns how many.</summary>
    public int FindAll(TokenizedText text, Span<PhraseMatch> matches)
    {
        var found = 0;
        for (var i = 0; i < text.Count && found < matches.Length; i++)
        {
            var word = text.Word(i);
            if (_byFirstWord.TryGetValue(word, out var candidates))
            {
                foreach (var p in candidates)
                {
                    var last = MatchFrom(_phrases[p], 1, text, i + 1, text[i].Clause);
                    if (last >= 0 && found < matches.Length)
                    {
                        matches[found++] = new PhraseMatch(p, i, Math.Max(i, last));
                    }
                }
            }
            foreach (var p in _prefixFirst)
            {
                if (_phrases[p][0].Matches(word) && found < matches.Length)
                {
                    var last = MatchFrom(_phrases[p], 1, text, i + 1, text[i].Clause);
                    if (last >= 0)
                    {
                        matches[found++] = new PhraseMatch(p, i, Math.Max(i, last));
                    }
                }
            }
        }
        return found;
    }

    /// <summary>Returns the index of the last token matched, <c>token - 1</c> when nothing is left to match, or -1.</summary>
    private static int MatchFrom(Element[] elements, int element, TokenizedText text, int token, int clause)
    {
        if (element == elements.Length)
        {
            return token - 1;
        }
        var current = elements[element];
        if (current.IsGap)
        {
            for (var skip = 0; skip <= current.MaxGap && token + skip <= text.Count; skip++)
            {
                if (skip > 0 && text[token + skip - 1].Clause != clause)
                {
                    break;
                }
                var last = MatchFrom(elements, element + 1, text, token + skip, clause);
                if (last >= 0)
                {
                    return last;
                }
            }
            return -1;
        }
        if (token >= text.Count || !current.Matches(text.Word(token)))
        {
            return -1;
        }
        return MatchFrom(elements, element + 1, text, token + 1, text[token].Clause);
    }

    private static Element[] Compile(string phrase)
    {
        if (string.IsNullOrWhiteSpace(phrase))
        {
            throw new FormatException("a phrase is empty");
        }
        var parts = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var elements = new List<Element>(parts.Length);
        foreach (var part in parts)
        {
            if (part is "*" or "**")
            {
                if (elements.Count == 0 || elements[^1].IsGap)
                {
                    throw new FormatException($"phrase '{phrase}' must start with a word and not repeat '*'");
                }
                elements.Add(part == "*" ? Element.Gap : Element.LongGapElement);
                continue;
            }
            var words = new List<string>();
            foreach (var raw in part.Split('|', StringSplitOptions.RemoveEmptyEntries))
            {
                var prefix = raw.EndsWith('*');
                var stem = prefix ? raw[..^1] : raw;
                var tokens = TokenizedText.Parse(stem);
                if (tokens.Count != 1)
                {
                    throw new FormatException($"phrase '{phrase}': '{raw}' must be one word (letters and digits)");
                }
                words.Add(tokens.Word(0).ToString().ToLowerInvariant() + (prefix ? "*" : string.Empty));
            }
            if (words.Count == 0)
            {
                throw new FormatException($"phrase '{phrase}' has an empty alternative");
            }
            elements.Add(new Element([.. words]));
        }
        if (elements[^1].IsGap)
        {
            throw new FormatException($"phrase '{phrase}' must end with a word");
        }
        return [.. elements];
    }

    private sealed class Element(string[] words, int maxGap = 0)
    {
        public static readonly Element Gap = new([], ShortGap);

        public static readonly Element LongGapElement = new([], LongGap);

        public string[] Words { get; } = words;

        public int MaxGap { get; } = maxGap;

        public bool IsGap => Words.Length == 0;

        public bool Matches(ReadOnlySpan<char> word)
        {
            foreach (var candidate in Words)
            {
                if (candidate.EndsWith('*')
                    ? word.StartsWith(candidate.AsSpan(0, candidate.Length - 1), StringComparison.OrdinalIgnoreCase)
                    : word.Equals(candidate, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
