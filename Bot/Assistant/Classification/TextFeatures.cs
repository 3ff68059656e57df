namespace HandoffBot.Assistant.Classification;

/// <summary>
/// Turns a message into hashed n-gram features without allocating: the text is lower-cased, digits become '0',
/// apostrophes vanish ("don't" = "dont") and everything else that is not a letter or digit separates words. Word
/// features are unigrams and bigrams; character features are the 3-, 4- and 5-grams of each word padded with a
/// boundary mark (" order " gives " or", "ord", ..., "der "), so they never cross words.
/// </summary>
internal static class TextFeatures
{
    /// <summary>Messages longer than this are classified by their first <see cref="MaxChars"/> characters.</summary>
    public const int MaxChars = 1000;

    private const ulong FnvPrime = 1099511628211UL;
    private const ulong WordSeed = 14695981039346656037UL;
    private const ulong CharSeed = 0x9E3779B97F4A7C15UL;
    private const ulong BigramMix = 0xC2B2AE3D27D4EB4FUL;

    /// <summary>Room the normalised text needs for an input of <paramref name="length"/> characters.</summary>
    public static int NormalisedCapacity(int length) => Math.Min(length, MaxChars) + 2;

    /// <summary>Room for word features (unigrams and bigrams) of a normalised text.</summary>
    public static int WordCapacity(int normalisedLength) => normalisedLength;

    /// <summary>Room for character n-gram features of a normalised text.</summary>
    public static int CharCapacity(int normalisedLength) => 3 * normalisedLength;

    /// <summary>
    /// Writes " word word ... " (a space before and after every word) into <paramref name="destination"/> and
    /// returns its length; a text without words gives " ".
    /// </summary>
    public static int Normalise(ReadOnlySpan<char> text, Span<char> destination)
    {
        if (text.Length > MaxChars)
        {
            text = text[..MaxChars];
        }
        var length = 0;
        destination[length++] = ' ';
        foreach (var raw in text)
        {
            if (char.IsLetterOrDigit(raw))
            {
                destination[length++] = char.IsDigit(raw) ? '0' : char.ToLowerInvariant(raw);
            }
            else if (raw is '\'' or '\u2019' or '\u2018')
            {
                continue;
            }
            else if (destination[length - 1] != ' ')
            {
                destination[length++] = ' ';
            }
        }
        if (destination[length - 1] != ' ')
        {
            destination[length++] = ' ';
        }
        return length;
    }

    /// <summary>
    /// Hashes the features of a normalised text into <paramref name="words"/> and <paramref name="chars"/> (sized by
    /// <see cref="WordCapacity"/> and <see cref="CharCapacity"/>); returns how many of each were written.
    /// </summary>
    public static (int Words, int Chars) Extract(ReadOnlySpan<char> normalised, Span<ulong> words, Span<ulong> chars)
    {
        var wordCount = 0;
        var charCount = 0;
        var previous = 0UL;
        var hasPrevious = false;
        var start = 1;
        while (start < normalised.Length)
        {
            var end = normalised[start..].IndexOf(' ') + start;
            if (end <= start)
            {
                break;
            }
            var word = normalised[start..end];
            var unigram = Hash(WordSeed, word);
            words[wordCount++] = unigram;
            if (hasPrevious)
            {
                words[wordCount++] = (previous * BigramMix) ^ (unigram + 0x632BE59BD9B4E019UL);
            }
            previous = unigram;
            hasPrevious = true;

            // The padded word is normalised[start-1 .. end] inclusive: the spaces mark its boundaries.
            var padded = normalised[(start - 1)..(end + 1)];
            for (var n = 3; n <= 5; n++)
            {
                for (var i = 0; i + n <= padded.Length; i++)
                {
                    chars[charCount++] = Hash(CharSeed + (ulong)n, padded.Slice(i, n));
                }
            }
            start = end + 1;
        }
        return (wordCount, charCount);
    }

    private static ulong Hash(ulong seed, ReadOnlySpan<char> text)
    {
        var hash = seed;
        foreach (var c in text)
        {
            hash = (hash ^ c) * FnvPrime;
        }
        // Final avalanche so that nearby strings spread over the whole range.
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        return hash;
    }
}
