using System.Collections.Frozen;

namespace HandoffBot.Escalation.Text;

/// <summary>
/// One word of a customer message: where it is in the original text and, when normalisation changed it (SMS
/// spelling, contraction, expansion), the canonical word. Words are compared case-insensitively.
/// </summary>
internal readonly record struct Token(int Start, int Length, string? Canonical, int Clause, bool Possessive)
{
    public ReadOnlySpan<char> Word(string source) => Canonical is null ? source.AsSpan(Start, Length) : Canonical.AsSpan();
}

/// <summary>
/// A customer message split into words once per turn and shared by every trigger: apostrophes dropped
/// ("don't" = "dont"), possessive "'s" noted, SMS spellings expanded ("pls" = "please", "2" = "to", "wanna" =
/// "want to"), and clause numbers (a clause ends at . , ; : ! ? or "but"), so negation does not reach across them.
/// No regular expressions; one array of tokens per message.
/// </summary>
internal sealed class TokenizedText
{
    private static readonly FrozenDictionary<string, string[]> Expansions = BuildExpansions();
    private static readonly FrozenDictionary<string, string[]>.AlternateLookup<ReadOnlySpan<char>> ExpansionLookup =
        Expansions.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly Token[] _tokens;

    private TokenizedText(string source, Token[] tokens, int count)
    {
        Source = source;
        _tokens = tokens;
        Count = count;
    }

    public string Source { get; }

    public int Count { get; }

    public ref readonly Token this[int index] => ref _tokens[index];

    public ReadOnlySpan<char> Word(int index) => _tokens[index].Word(Source);

    public bool Is(int index, string word) => Word(index).Equals(word, StringComparison.OrdinalIgnoreCase);

    /// <summary>The original words from token <paramref name="first"/> to <paramref name="last"/>, as evidence.</summary>
    public Evidence Evidence(int first, int last, string kind)
    {
        var start = _tokens[first].Start;
        var end = _tokens[last].Start + _tokens[last].Length;
        return new Evidence(Source[start..end], start, kind);
    }

    /// <summary>
    /// Whether a negation cue stands within <paramref name="window"/> words before token <paramref name="anchor"/>,
    /// in the same clause, reached only across <paramref name="bridge"/> words ("don't really want to talk"). Scans
    /// backwards from the anchor; the first word that is neither a cue nor a bridge ends the scan. A negative
    /// anchor (none) is never negated.
    /// </summary>
    public bool IsNegatedBefore(int anchor, int window, WordSet cues, WordSet bridge)
    {
        if (anchor < 0)
        {
            return false;
        }
        var clause = _tokens[anchor].Clause;
        for (var k = anchor - 1; k >= 0 && k >= anchor - window && _tokens[k].Clause == clause; k--)
        {
            var word = Word(k);
            if (cues.Contains(word))
            {
                return true;
            }
            if (!bridge.Contains(word))
            {
                return false;
            }
        }
        return false;
    }

    public static TokenizedText Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // Sized by a first pass counting words; expansions ("wanna" = "want to") grow it when needed.
        var words = 0;
        for (var j = 0; j < text.Length; j++)
        {
            if (IsWordChar(text[j]) && (j == 0 || !IsWordChar(text[j - 1])))
            {
                words++;
            }
        }
        var tokens = new Token[words + 2];
        var count = 0;
        var clause = 0;
        var i = 0;
        Span<char> joined = stackalloc char[64];
        while (i < text.Length)
        {
            var c = text[i];
            if (!IsWordChar(c))
            {
                if (c is '.' or ',' or ';' or ':' or '!' or '?' or '\n' or '(' or ')')
                {
                    clause++;
                }
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && (IsWordChar(text[i]) || (IsApostrophe(text[i]) && i + 1 < text.Length && char.IsLetter(text[i + 1]))))
            {
                i++;
            }
            var length = i - start;
            scoped ReadOnlySpan<char> word = text.AsSpan(start, length);
            var possessive = false;
            string? canonical = null;
            var apostrophe = word.IndexOfAny('\'', '\u2019');
            if (apostrophe >= 0)
            {
                var rest = word[(apostrophe + 1)..];
                if (rest.Equals("s", StringComparison.OrdinalIgnoreCase) && !IsContractionOfIs(word[..apostrophe]))
                {
                    possessive = true;
                    length = apostrophe;
                    word = word[..apostrophe];
                }
                else
                {
                    // "don't" -> "dont": looked up without allocating; a new string only for unknown contractions.
                    var kept = Math.Min(apostrophe, joined.Length);
                    word[..kept].CopyTo(joined);
                    var tail = Math.Min(rest.Length, joined.Length - kept);
                    rest[..tail].CopyTo(joined[kept..]);
                    word = joined[..(kept + tail)];
                    if (!ExpansionLookup.ContainsKey(word))
                    {
                        canonical = word.ToString().ToLowerInvariant();
                    }
                }
            }
            if (count + 2 >= tokens.Length)
            {
                Array.Resize(ref tokens, (tokens.Length * 2) + 2);
            }
            if (ExpansionLookup.TryGetValue(word, out var expansion))
            {
                foreach (var part in expansion)
                {
                    tokens[count++] = new Token(start, length, part, clause, possessive);
                }
            }
            else
            {
                tokens[count++] = new Token(start, length, canonical, clause, possessive);
            }
            if (text.AsSpan(start, i - start).Equals("but", StringComparison.OrdinalIgnoreCase) || text.AsSpan(start, i - start).Equals("however", StringComparison.OrdinalIgnoreCase))
            {
                clause++;
            }
        }
        return new TokenizedText(text, tokens, count);
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c);

    private static bool IsApostrophe(char c) => c is '\'' or '\u2019';

    private static bool IsContractionOfIs(ReadOnlySpan<char> word) =>
        word.Equals("it", StringComparison.OrdinalIgnoreCase) || word.Equals("that", StringComparison.OrdinalIgnoreCase)
        || word.Equals("there", StringComparison.OrdinalIgnoreCase) || word.Equals("what", StringComparison.OrdinalIgnoreCase)
        || word.Equals("he", StringComparison.OrdinalIgnoreCase) || word.Equals("she", StringComparison.OrdinalIgnoreCase)
        || word.Equals("who", StringComparison.OrdinalIgnoreCase) || word.Equals("where", StringComparison.OrdinalIgnoreCase);

    /// <summary>Shorthand customers type, mapped to the words the triggers know. Keys are compared ignoring case.</summary>
    private static FrozenDictionary<string, string[]> BuildExpansions()
    {
        var map = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
        {
            ["pls"] = ["please"],
            ["plz"] = ["please"],
            ["plse"] = ["please"],
            ["pleas"] = ["please"],
            ["pleeease"] = ["please"],
            ["u"] = ["you"],
            ["ya"] = ["you"],
            ["yu"] = ["you"],
            ["ur"] = ["your"],
            ["yr"] = ["your"],
            ["r"] = ["are"],
            ["2"] = ["to"],
            ["too"] = ["to"],
            ["4"] = ["for"],
            ["b4"] = ["before"],
            ["w"] = ["with"],
            ["wit"] = ["with"],
            ["wanna"] = ["want", "to"],
            ["wana"] = ["want", "to"],
            ["gotta"] = ["got", "to"],
            ["gimme"] = ["give", "me"],
            ["lemme"] = ["let", "me"],
            ["needa"] = ["need", "to"],
            ["hafta"] = ["have", "to"],
            ["ppl"] = ["people"],
            ["sum1"] = ["someone"],
            ["some1"] = ["someone"],
            ["any1"] = ["anyone"],
            ["ne1"] = ["anyone"],
            ["smb"] = ["somebody"],
            ["sb"] = ["somebody"],
            ["rep"] = ["representative"],
            ["reps"] = ["representatives"],
            ["mgr"] = ["manager"],
            ["hooman"] = ["human"],
            ["humn"] = ["human"],
            ["cant"] = ["cannot"],
            ["can't"] = ["cannot"],
            ["cnt"] = ["cannot"],
            ["cn"] = ["can"],
            ["dnt"] = ["dont"],
            ["wont"] = ["will", "not"],
            ["im"] = ["i", "am"],
            ["ive"] = ["i", "have"],
            ["youre"] = ["you", "are"],
            ["rn"] = ["right", "now"],
            ["nw"] = ["now"],
            ["tmrw"] = ["tomorrow"],
            ["thx"] = ["thanks"],
            ["ty"] = ["thanks"],
            ["msg"] = ["message"],
            ["acct"] = ["account"],
            ["acc"] = ["account"],
            ["txn"] = ["transaction"],
            ["pymt"] = ["payment"],
        };
        // Common contractions map to themselves, so "hasn't" finds "hasnt" without allocating a string.
        foreach (var same in (string[])["hasnt", "havent", "hadnt", "wasnt", "werent", "isnt", "arent", "doesnt", "didnt", "dont", "its",
            "thats", "whats", "theres", "heres", "lets", "shouldnt", "couldnt", "wouldnt", "youve", "weve", "theyre", "ive", "youll", "shes", "hes"])
        {
            map.TryAdd(same, [same]);
        }
        return map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
