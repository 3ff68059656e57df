using HandoffBot.Escalation.Text;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// Recognising the words of a <see cref="HumanRequestLexicon"/> in a message: person nouns (misspelt, glued),
/// contact verbs (misspelt, SMS-prefixed, slipped) and link words. The rules that combine them are in
/// <see cref="HumanRequestTrigger"/>.
/// </summary>
internal static class HumanRequestWords
{
    /// <summary>0 when the word is not a person noun, 1 for someone/anyone-like nouns, 2 for human/agent-like nouns.</summary>
    public static int NounStrength(this HumanRequestLexicon w, TokenizedText text, int index)
    {
        var word = text.Word(index);
        if (w.StrongNouns.Contains(word))
        {
            return 2;
        }
        if (w.WeakNouns.Contains(word))
        {
            return w.OneNouns.Contains(word) ? (w.IsRealOne(text, index) ? 2 : 0) : 1;
        }
        if (word.Length < 4 || w.NotNouns.Contains(word) || w.ContactVerbs.Contains(word) || w.Links.Contains(word))
        {
            return 0;
        }
        var fuzzy = w.FuzzyNoun(word);
        if (fuzzy is null && word.Length > 5)
        {
            // Glued words: "tosomebody", "anagent".
            foreach (var glue in w.GluedPrefixes)
            {
                if (word.StartsWith(glue, StringComparison.OrdinalIgnoreCase) && !w.NotNouns.Contains(word[glue.Length..]))
                {
                    fuzzy = w.StrongNouns.Contains(word[glue.Length..]) || w.WeakNouns.Contains(word[glue.Length..]) ? "glued" : w.FuzzyNoun(word[glue.Length..]);
                    if (fuzzy is not null)
                    {
                        break;
                    }
                }
            }
        }
        return fuzzy is null ? 0 : 1;
    }

    /// <summary>"a real one", "a live one": only with a modifier that says human.</summary>
    private static bool IsRealOne(this HumanRequestLexicon w, TokenizedText text, int index) =>
        index > 0 && w.OneModifiers.Contains(text.Word(index - 1));

    private static string? FuzzyNoun(this HumanRequestLexicon w, ReadOnlySpan<char> word)
    {
        foreach (var target in w.FuzzyNouns)
        {
            if (SameStart(word, target) && Fuzzy.IsNear(word, target))
            {
                // "assistanec" is "assistance" misspelt, not "assistant": the nearer word wins.
                var distance = Fuzzy.Distance(word, target, 2);
                foreach (var other in w.NotNouns.Words)
                {
                    if (other[0] == target[0] && Math.Abs(other.Length - word.Length) <= distance && Fuzzy.Distance(word, other, distance) < distance)
                    {
                        return null;
                    }
                }
                return target;
            }
        }
        return null;
    }

    /// <summary>A link word typed with one slip ("wiht", "wth") still links verb and noun.</summary>
    public static bool IsLink(this HumanRequestLexicon w, ReadOnlySpan<char> word)
    {
        if (w.Links.Contains(word))
        {
            return true;
        }
        foreach (var link in w.FuzzyLinks)
        {
            if (word.Length >= 3 && Math.Abs(word.Length - link.Length) <= 1 && char.ToLowerInvariant(word[0]) == link[0] && Fuzzy.Distance(word, link, 1) <= 1)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A short verb typed with one slip right before a link ("talkk to", "chay with", "taok to").</summary>
    public static bool IsSlippedShortVerb(this HumanRequestLexicon w, TokenizedText text, int index)
    {
        if (index + 1 >= text.Count || !w.IsLink(text.Word(index + 1)) || w.SlipNotBefore.Contains(text.Word(index + 1)))
        {
            return false;
        }
        var word = text.Word(index);
        if (word.Length is < 3 or > 5 || w.Links.Contains(word))
        {
            return false;
        }
        foreach (var verb in w.SlipVerbs)
        {
            if (Fuzzy.Distance(word, verb, 1) <= 1)
            {
                return true;
            }
        }
        return false;
    }

    private static bool SameStart(ReadOnlySpan<char> word, string target) =>
        char.ToLowerInvariant(word[0]) == target[0]
        || (word.Length > 1 && char.ToLowerInvariant(word[1]) == target[0] && char.ToLowerInvariant(word[0]) == target[1]);

    public static bool IsContactVerb(this HumanRequestLexicon w, ReadOnlySpan<char> word)
    {
        if (w.ContactVerbs.Contains(word))
        {
            return true;
        }
        foreach (var prefix in w.VerbPrefixes)
        {
            if (word.Length > prefix.Length + 3 && word.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && w.ContactVerbs.Contains(word[prefix.Length..]))
            {
                return true;
            }
        }
        if (word.Length < 5 || w.Links.Contains(word) || w.NotNouns.Contains(word))
        {
            return false;
        }
        foreach (var target in w.FuzzyVerbs)
        {
            if (SameStart(word, target) && Fuzzy.IsNear(word, target))
            {
                return true;
            }
        }
        return false;
    }

    public static bool IsProgressive(this HumanRequestLexicon w, ReadOnlySpan<char> word) =>
        w.ProgressiveSuffix.Length > 0 && word.EndsWith(w.ProgressiveSuffix, StringComparison.OrdinalIgnoreCase);
}
