using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HandoffBot.Escalation.Text;

/// <summary>A frozen, case-insensitive set of words looked up by span (no string per lookup).</summary>
internal sealed class WordSet
{
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public WordSet(IEnumerable<string> words)
    {
        var set = words.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _lookup = set.GetAlternateLookup<ReadOnlySpan<char>>();
        Words = set;
    }

    public FrozenSet<string> Words { get; }

    public bool Contains(ReadOnlySpan<char> word) => _lookup.Contains(word);

    /// <summary>This set with <paramref name="more"/> words (this one when there are none).</summary>
    public WordSet With(IReadOnlyCollection<string> more) => more.Count == 0 ? this : new WordSet(Words.Concat(more));
}

/// <summary>A JSON array of single words (letters, digits) as a <see cref="WordSet"/>; anything else is an error naming the entry.</summary>
internal sealed class WordSetJsonConverter : JsonConverter<WordSet>
{
    public override WordSet Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(ReadWords(ref reader));

    public override void Write(Utf8JsonWriter writer, WordSet value, JsonSerializerOptions options) => WriteWords(writer, value.Words);

    internal static List<string> ReadWords(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("expected an array of words");
        }
        var words = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var word = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (string.IsNullOrEmpty(word) || !word.All(char.IsLetterOrDigit))
            {
                throw new JsonException($"'{word}' is not one word of letters or digits");
            }
            words.Add(word);
        }
        return words;
    }

    internal static void WriteWords(Utf8JsonWriter writer, IEnumerable<string> words)
    {
        writer.WriteStartArray();
        foreach (var word in words)
        {
            writer.WriteStringValue(word);
        }
        writer.WriteEndArray();
    }
}

/// <summary>A JSON array of single words as lower-case strings in their order (misspelling targets: the first that matches wins).</summary>
internal sealed class LowerCaseWordsJsonConverter : JsonConverter<string[]>
{
    public override string[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        [.. WordSetJsonConverter.ReadWords(ref reader).Select(w => w.ToLowerInvariant()).Distinct(StringComparer.Ordinal)];

    public override void Write(Utf8JsonWriter writer, string[] value, JsonSerializerOptions options) => WordSetJsonConverter.WriteWords(writer, value);
}

/// <summary>Misspelling tolerance: optimal string alignment distance (Damerau-Levenshtein with adjacent swaps).</summary>
internal static class Fuzzy
{
    /// <summary>The edits a word of this length may have and still count: none below 5 letters except a swap, 1 up to 7, 2 from 8.</summary>
    public static int Allowed(int length) => length >= 8 ? 2 : length >= 5 ? 1 : 0;

    /// <summary>True when <paramref name="word"/> is <paramref name="target"/> misspelt within the allowed edits.</summary>
    public static bool IsNear(ReadOnlySpan<char> word, string target)
    {
        var allowed = Allowed(target.Length);
        if (Math.Abs(word.Length - target.Length) > Math.Max(allowed, 0) || word.Length > 32)
        {
            return false;
        }
        if (allowed == 0)
        {
            return word.Length == target.Length && word.Length >= 4 && IsOneSwap(word, target);
        }
        return Distance(word, target, allowed) <= allowed;
    }

    private static bool IsOneSwap(ReadOnlySpan<char> word, string target)
    {
        var i = 0;
        while (i < word.Length && char.ToLowerInvariant(word[i]) == target[i])
        {
            i++;
        }
        return i < word.Length - 1
            && char.ToLowerInvariant(word[i]) == target[i + 1] && char.ToLowerInvariant(word[i + 1]) == target[i]
            && word[(i + 2)..].Equals(target.AsSpan(i + 2), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Optimal string alignment distance, stopping early once every path exceeds <paramref name="limit"/>.</summary>
    public static int Distance(ReadOnlySpan<char> a, string b, int limit)
    {
        var m = b.Length;
        Span<int> previous2 = stackalloc int[m + 1];
        Span<int> previous = stackalloc int[m + 1];
        Span<int> current = stackalloc int[m + 1];
        for (var j = 0; j <= m; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = i;
            var ai = char.ToLowerInvariant(a[i - 1]);
            for (var j = 1; j <= m; j++)
            {
                var cost = ai == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && ai == b[j - 2] && char.ToLowerInvariant(a[i - 2]) == b[j - 1])
                {
                    value = Math.Min(value, previous2[j - 2] + 1);
                }
                current[j] = value;
                rowMin = Math.Min(rowMin, value);
            }
            if (rowMin > limit)
            {
                return limit + 1;
            }
            var spare = previous2;
            previous2 = previous;
            previous = current;
            current = spare;
        }
        return previous[m];
    }
}
