using System.Buffers;

namespace HandoffBot.Assistant.Classification;

/// <summary>
/// The vocabulary learnt from training texts: each kept n-gram hash has an index and an inverse document frequency.
/// A text becomes a sparse vector with sublinear term frequency (1 + ln tf) times idf, word and character features
/// L2-normalised separately. N-grams the vocabulary does not know still count in the norm (with the idf of an unseen
/// term), so a message made mostly of unknown words gets a short vector and therefore a low confidence.
/// </summary>
internal sealed class FeatureSpace
{
    private readonly Dictionary<ulong, int> _index;
    private readonly float[] _idf;
    private readonly float _unknownIdf;

    private FeatureSpace(Dictionary<ulong, int> index, float[] idf, float unknownIdf)
    {
        _index = index;
        _idf = idf;
        _unknownIdf = unknownIdf;
    }

    public int Count => _idf.Length;

    /// <summary>Keeps every n-gram that occurs in at least <paramref name="minDocumentFrequency"/> texts.</summary>
    public static FeatureSpace Build(IReadOnlyList<string> texts, int minDocumentFrequency)
    {
        var frequency = new Dictionary<ulong, int>();
        var seen = new HashSet<ulong>();
        foreach (var text in texts)
        {
            seen.Clear();
            using var features = TextFeatureBuffers.Extract(text);
            foreach (var hash in features.Words)
            {
                seen.Add(hash);
            }
            foreach (var hash in features.Chars)
            {
                seen.Add(hash);
            }
            foreach (var hash in seen)
            {
                frequency[hash] = frequency.GetValueOrDefault(hash) + 1;
            }
        }
        // Sorted by hash so that indices do not depend on dictionary internals.
        var kept = frequency.Where(f => f.Value >= minDocumentFrequency).OrderBy(f => f.Key).ToList();
        var index = new Dictionary<ulong, int>(kept.Count);
        var idf = new float[kept.Count];
        var documents = texts.Count;
        for (var i = 0; i < kept.Count; i++)
        {
            index[kept[i].Key] = i;
            idf[i] = (float)(Math.Log((1.0 + documents) / (1.0 + kept[i].Value)) + 1.0);
        }
        return new FeatureSpace(index, idf, (float)(Math.Log(1.0 + documents) + 1.0));
    }

    /// <summary>Room <see cref="Vectorise"/> needs for a text of <paramref name="length"/> characters.</summary>
    public static int Capacity(int length)
    {
        var normalised = TextFeatures.NormalisedCapacity(length);
        return TextFeatures.WordCapacity(normalised) + TextFeatures.CharCapacity(normalised);
    }

    /// <summary>
    /// Writes the known features of <paramref name="text"/> (index, weight) into the spans, sized by
    /// <see cref="Capacity"/>, and returns how many. Allocation-free.
    /// </summary>
    public int Vectorise(ReadOnlySpan<char> text, Span<int> indices, Span<float> values)
    {
        var normalisedLength = TextFeatures.NormalisedCapacity(text.Length);
        var charBuffer = ArrayPool<char>.Shared.Rent(normalisedLength);
        var wordCapacity = TextFeatures.WordCapacity(normalisedLength);
        var hashBuffer = ArrayPool<ulong>.Shared.Rent(wordCapacity + TextFeatures.CharCapacity(normalisedLength));
        try
        {
            var normalised = charBuffer.AsSpan(0, TextFeatures.Normalise(text, charBuffer));
            var words = hashBuffer.AsSpan(0, wordCapacity);
            var chars = hashBuffer.AsSpan(wordCapacity);
            var (wordCount, charCount) = TextFeatures.Extract(normalised, words, chars);
            var count = AddGroup(words[..wordCount], indices, values, 0);
            return AddGroup(chars[..charCount], indices, values, count);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashBuffer);
            ArrayPool<char>.Shared.Return(charBuffer);
        }
    }

    private int AddGroup(Span<ulong> hashes, Span<int> indices, Span<float> values, int count)
    {
        if (hashes.IsEmpty)
        {
            return count;
        }
        hashes.Sort();
        var first = count;
        var norm = 0.0;
        var i = 0;
        while (i < hashes.Length)
        {
            var j = i + 1;
            while (j < hashes.Length && hashes[j] == hashes[i])
            {
                j++;
            }
            var tf = 1f + MathF.Log(j - i);
            if (_index.TryGetValue(hashes[i], out var feature))
            {
                var weight = tf * _idf[feature];
                indices[count] = feature;
                values[count] = weight;
                count++;
                norm += weight * weight;
            }
            else
            {
                var weight = tf * _unknownIdf;
                norm += weight * weight;
            }
            i = j;
        }
        var scale = (float)(1.0 / Math.Sqrt(norm));
        for (var k = first; k < count; k++)
        {
            values[k] *= scale;
        }
        return count;
    }
}

/// <summary>Pooled hash buffers for one text (used while building the vocabulary, not on the answer path).</summary>
internal readonly struct TextFeatureBuffers : IDisposable
{
    private readonly ulong[] _buffer;
    private readonly int _wordCapacity;
    private readonly int _words;
    private readonly int _chars;

    private TextFeatureBuffers(ulong[] buffer, int wordCapacity, int words, int chars)
    {
        _buffer = buffer;
        _wordCapacity = wordCapacity;
        _words = words;
        _chars = chars;
    }

    public ReadOnlySpan<ulong> Words => _buffer.AsSpan(0, _words);

    public ReadOnlySpan<ulong> Chars => _buffer.AsSpan(_wordCapacity, _chars);

    public static TextFeatureBuffers Extract(string text)
    {
        var capacity = TextFeatures.NormalisedCapacity(text.Length);
        var chars = ArrayPool<char>.Shared.Rent(capacity);
        try
        {
            var normalised = chars.AsSpan(0, TextFeatures.Normalise(text, chars));
            var wordCapacity = TextFeatures.WordCapacity(normalised.Length);
            var buffer = ArrayPool<ulong>.Shared.Rent(wordCapacity + TextFeatures.CharCapacity(normalised.Length));
            var (words, charCount) = TextFeatures.Extract(normalised, buffer.AsSpan(0, wordCapacity), buffer.AsSpan(wordCapacity));
            return new TextFeatureBuffers(buffer, wordCapacity, words, charCount);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    public void Dispose() => ArrayPool<ulong>.Shared.Return(_buffer);
}
