using HandoffBot.Escalation.Embedding;

namespace HandoffBot.Training;

/// <summary>
/// Sentence vectors of the training and evaluation texts, kept in one binary file (under <c>artifacts/</c>, never
/// committed: it is derived row by row from the public data) so that training, the reproduction check and the
/// evaluations embed each text once per run. Texts not in the file are embedded in batches and the file is
/// rewritten.
/// </summary>
public sealed class EmbeddingStore
{
    private const int Magic = 0x4D4C4D31; // "MLM1"

    private readonly Dictionary<string, float[]> _vectors = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly ISentenceEmbedder _embedder;

    private EmbeddingStore(string? path, ISentenceEmbedder embedder)
    {
        _path = path;
        _embedder = embedder;
    }

    /// <summary>Texts embedded by this store since it was opened (not read from the file).</summary>
    public int Embedded { get; private set; }

    public TimeSpan EmbeddingTime { get; private set; }

    public static EmbeddingStore Open(string? path, ISentenceEmbedder embedder)
    {
        var store = new EmbeddingStore(path, embedder);
        if (path is not null && File.Exists(path))
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            if (reader.ReadInt32() != Magic || reader.ReadInt32() != embedder.Dimensions)
            {
                return store; // another format or encoder: start again
            }
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var text = reader.ReadString();
                var vector = new float[embedder.Dimensions];
                for (var j = 0; j < vector.Length; j++)
                {
                    vector[j] = reader.ReadSingle();
                }
                store._vectors[text] = vector;
            }
        }
        return store;
    }

    public float[] this[string text] => _vectors[Key(text)];

    /// <summary>Embeds every text not yet in the store and saves the file when something was added.</summary>
    public void Ensure(IEnumerable<string> texts, CancellationToken cancellationToken)
    {
        var missing = texts.Select(Key).Where(t => !_vectors.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var vectors = _embedder.EmbedBatch(missing, cancellationToken);
        EmbeddingTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Embedded += missing.Count;
        for (var i = 0; i < missing.Count; i++)
        {
            _vectors[missing[i]] = vectors[i];
        }
        Save();
    }

    private void Save()
    {
        if (_path is null)
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        var temporary = _path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(Magic);
            writer.Write(_embedder.Dimensions);
            writer.Write(_vectors.Count);
            foreach (var (text, vector) in _vectors)
            {
                writer.Write(text);
                foreach (var v in vector)
                {
                    writer.Write(v);
                }
            }
        }
        File.Move(temporary, _path, overwrite: true);
    }

    /// <summary>The embedder sees the trimmed text; so does the store.</summary>
    private static string Key(string text) => text.Trim();
}
