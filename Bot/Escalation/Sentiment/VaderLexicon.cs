using System.Collections.Frozen;
using System.Globalization;

namespace HandoffBot.Escalation.Sentiment;

/// <summary>
/// The VADER valence lexicon (word or emoticon -> mean human rating in [-4,4]) plus our own small emoji table,
/// loaded once. Keys are lower case; lookups take the lower-cased span of a token (no allocation).
/// </summary>
internal sealed class VaderLexicon
{
    private readonly FrozenDictionary<string, float>.AlternateLookup<ReadOnlySpan<char>> words;
    private readonly FrozenDictionary<string, float>.AlternateLookup<ReadOnlySpan<char>> emoji;

    private VaderLexicon(FrozenDictionary<string, float> words, FrozenDictionary<string, float> emoji)
    {
        this.words = words.GetAlternateLookup<ReadOnlySpan<char>>();
        this.emoji = emoji.GetAlternateLookup<ReadOnlySpan<char>>();
        Count = words.Count;
        EmojiCount = emoji.Count;
    }

    public int Count { get; }

    public int EmojiCount { get; }

    /// <summary>Reads <c>vader_lexicon.txt</c> (<c>token TAB mean TAB sd TAB ratings</c>); fails clearly when missing.</summary>
    public static VaderLexicon Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The VADER lexicon was not found at '{path}'. It is fetched at build time from the npm package " +
                "vader-sentiment@1.1.3 (see Bot/Escalation/Sentiment/VaderLexicon.targets): build the Bot project with npm " +
                "on the PATH, or set Sentiment:LexiconPath to a copy of vader_lexicon.txt.",
                path);
        }
        using var reader = File.OpenText(path);
        return Parse(reader, path);
    }

    internal static VaderLexicon Parse(TextReader reader, string sourceName)
    {
        var entries = new Dictionary<string, float>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var tab2 = tab < 0 ? -1 : line.IndexOf('\t', tab + 1);
            var meanText = tab < 0 ? default : line.AsSpan(tab + 1, (tab2 < 0 ? line.Length : tab2) - tab - 1);
            if (tab <= 0 || !float.TryParse(meanText, NumberStyles.Float, CultureInfo.InvariantCulture, out var mean))
            {
                throw new InvalidDataException($"{sourceName}:{lineNumber}: expected 'token<TAB>mean rating<TAB>...'.");
            }
            var token = line[..tab];
            var key = token.ToLowerInvariant();
            // Emoticons such as ":D" and ":d" fold to one key; the entry already written in lower case wins.
            if (!entries.ContainsKey(key) || string.Equals(token, key, StringComparison.Ordinal))
            {
                entries[key] = mean;
            }
        }
        if (entries.Count == 0)
        {
            throw new InvalidDataException($"{sourceName}: the lexicon is empty.");
        }

        var emoji = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var (symbol, word) in EmojiWords)
        {
            if (entries.TryGetValue(word, out var valence))
            {
                emoji[symbol] = valence;
            }
        }
        return new VaderLexicon(
            entries.ToFrozenDictionary(StringComparer.Ordinal),
            emoji.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>The valence of a lower-cased token, or false when it is not a sentiment word.</summary>
    public bool TryGetValence(ReadOnlySpan<char> lowerToken, out float valence) => words.TryGetValue(lowerToken, out valence);

    public bool Contains(ReadOnlySpan<char> lowerToken) => words.ContainsKey(lowerToken);

    /// <summary>The valence of one emoji (without variation selectors or skin tones), or false.</summary>
    public bool TryGetEmojiValence(ReadOnlySpan<char> emojiSymbol, out float valence) => emoji.TryGetValue(emojiSymbol, out valence);

    /// <summary>
    /// Our own table: common emoji in customer messages, each scored as the lexicon word that says what it shows.
    /// (The npm package ships no emoji lexicon; an emoji whose word is missing from the lexicon is left out.)
    /// </summary>
    internal static readonly (string Emoji, string Word)[] EmojiWords =
    [
        ("😀", "grin"), ("😁", "grin"), ("😃", "happy"), ("😄", "happy"), ("😆", "laughing"), ("😂", "joy"),
        ("🤣", "lol"), ("😊", "smile"), ("🙂", "smile"), ("☺", "smile"), ("😍", "love"), ("🥰", "love"),
        ("😘", "kiss"), ("😎", "cool"), ("🤗", "hug"), ("👍", "good"), ("👏", "applause"), ("🎉", "celebrate"),
        ("🥳", "party"), ("❤", "love"), ("💕", "love"), ("💖", "love"), ("💯", "perfect"), ("🙏", "thanks"),
        ("👌", "ok"), ("💔", "heartbroken"), ("😞", "disappointed"), ("😔", "sad"), ("🙁", "sad"), ("☹", "sad"),
        ("🥺", "sad"), ("😢", "cry"), ("😭", "sob"), ("😡", "furious"), ("🤬", "furious"), ("😠", "angry"),
        ("😤", "frustrated"), ("😣", "frustrated"), ("😖", "frustrated"), ("😒", "annoyed"), ("🙄", "annoyed"),
        ("😩", "weary"), ("😫", "tired"), ("😕", "confused"), ("👎", "bad"), ("😱", "scared"), ("😨", "scared"),
        ("😰", "anxious"), ("😟", "worried"), ("😳", "embarrassed"), ("🤮", "disgusting"), ("🤢", "sick"),
        ("😬", "awkward"), ("😓", "stressed"),
    ];
}
