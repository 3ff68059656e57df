using System.Buffers;
using System.Runtime.InteropServices;

namespace HandoffBot.Escalation.Sentiment;

/// <summary>VADER, tokens: words, emoticons and emoji as spans over the lower-cased text.</summary>
internal sealed partial class VaderSentimentAnalyzer
{
    [StructLayout(LayoutKind.Auto)]
    private struct Token
    {
        public int Start;
        public int Length;
        public float Valence;
        public bool Upper;
        public bool Emoji;
    }

    private int Tokenize(string text, ReadOnlySpan<char> lower, Span<Token> tokens)
    {
        var count = 0;
        var i = 0;
        var n = text.Length;
        while (i < n)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < n && !char.IsWhiteSpace(text[i]))
            {
                var emojiLength = EmojiLength(text, i, out var baseLength);
                if (emojiLength == 0)
                {
                    i++;
                    continue;
                }
                if (i > start)
                {
                    count = AddWord(text, lower, start, i - start, tokens, count);
                }
                tokens[count++] = new Token { Start = i, Length = baseLength, Emoji = true };
                i += emojiLength;
                start = i;
            }
            if (i > start)
            {
                count = AddWord(text, lower, start, i - start, tokens, count);
            }
        }
        return count;
    }

    /// <summary>A word as VADER sees it: an emoticon as written, otherwise stripped of surrounding punctuation.</summary>
    private int AddWord(string text, ReadOnlySpan<char> lower, int start, int length, Span<Token> tokens, int count)
    {
        var raw = lower.Slice(start, length);
        if (!lexicon.Contains(raw))
        {
            var trailing = raw.TrimEnd(".,!?;");
            if (trailing.Length >= 2 && trailing.Length < raw.Length && lexicon.Contains(trailing))
            {
                length = trailing.Length;
            }
            else
            {
                var s = 0;
                var e = raw.Length;
                while (s < e && IsStrippable(raw[s]))
                {
                    s++;
                }
                while (e > s && IsStrippable(raw[e - 1]))
                {
                    e--;
                }
                if (e - s <= 2)
                {
                    // Two characters or fewer once stripped: kept as written, so that emoticons such as ";-)" and
                    // "(:" survive (measured: slightly better than dropping short words on the four corpora).
                    s = 0;
                    e = raw.Length;
                }
                start += s;
                length = e - s;
            }
        }
        tokens[count] = new Token { Start = start, Length = length, Upper = IsAllCaps(text.AsSpan(start, length)) };
        return count + 1;
    }

    private static bool IsStrippable(char c) =>
        c < 128 ? !char.IsAsciiLetterOrDigit(c) : c is '\u201C' or '\u201D' or '\u00AB' or '\u00BB' or '\u2026' or '\u2014' or '\u2013';

    private static bool IsAllCaps(ReadOnlySpan<char> word)
    {
        var upper = false;
        foreach (var c in word)
        {
            if (char.IsLower(c))
            {
                return false;
            }
            upper |= char.IsUpper(c);
        }
        return upper;
    }

    /// <summary>Length of the emoji at <paramref name="i"/> with its modifiers (0 when none); the base symbol's length.</summary>
    private static int EmojiLength(string text, int i, out int baseLength)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            var cp = char.ConvertToUtf32(c, text[i + 1]);
            if (cp is < 0x1F000 or > 0x1FAFF || cp is >= 0x1F3FB and <= 0x1F3FF)
            {
                baseLength = 0;
                return 0;
            }
            baseLength = 2;
        }
        else if (c is >= '\u2600' and <= '\u27BF' || c == '\u2B50')
        {
            baseLength = 1;
        }
        else
        {
            baseLength = 0;
            return 0;
        }
        var j = i + baseLength;
        while (j < text.Length)
        {
            if (text[j] is '\uFE0F' or '\uFE0E')
            {
                j++;
            }
            else if (text[j] == '\uD83C' && j + 1 < text.Length && text[j + 1] is >= '\uDFFB' and <= '\uDFFF')
            {
                j += 2; // skin tone
            }
            else if (text[j] == '\u200D' && j + 1 < text.Length)
            {
                // zero-width joiner: the joined symbol belongs to this emoji
                j += char.IsHighSurrogate(text[j + 1]) && j + 2 < text.Length ? 3 : 2;
            }
            else
            {
                break;
            }
        }
        return j - i;
    }
}
