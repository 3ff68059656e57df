using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace HandoffBot.Assistant.Classification;

/// <summary>The most likely class of a text and its calibrated probability.</summary>
internal readonly record struct IntentPrediction(int Label, double Probability);

/// <summary>How the classifier is trained. The defaults were chosen on CLINC150's validation split.</summary>
internal sealed record IntentClassifierOptions
{
    /// <summary>Passes of stochastic gradient descent over the training texts (more when the set is small).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Small training sets get as many passes as it takes to make at least this many steps.</summary>
    public int MinimumSteps { get; init; } = 5_000;

    /// <summary>Initial learning rate, decayed linearly to zero over the training.</summary>
    public double LearningRate { get; init; } = 2.0;

    /// <summary>
    /// Total L2 penalty: the per-text penalty is this divided by the number of training texts, so the balance
    /// between fit and penalty stays the same for a 300-phrasing knowledge base and a 15,000-utterance corpus.
    /// </summary>
    public double L2 { get; init; } = 0.015;

    /// <summary>N-grams seen in fewer training texts than this are treated as unknown.</summary>
    public int MinDocumentFrequency { get; init; } = 1;

    /// <summary>Stratified folds whose held-out predictions fit the temperature; below 2, no calibration (T = 1).</summary>
    public int CalibrationFolds { get; init; } = 5;

    /// <summary>Seed of the shuffling; the same data, options and seed always give the same model.</summary>
    public ulong Seed { get; init; } = 20261124;

    /// <summary>Folds trained at once (each fold is sequential, so the result does not depend on this).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// Multinomial logistic regression (softmax) over hashed word and character n-gram TF-IDF features, trained by
/// stochastic gradient descent with an L2 penalty, then calibrated by temperature scaling fitted on cross-validated
/// held-out predictions, so that a probability of 0.7 means about 70% of such answers are right whatever the
/// training set. Prediction is allocation-free.
/// </summary>
internal sealed class IntentClassifier
{
    private const int StackLimit = 256;

    private readonly FeatureSpace _features;
    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly float _inverseTemperature;

    private IntentClassifier(FeatureSpace features, float[] weights, float[] bias, int classCount, double temperature)
    {
        _features = features;
        _weights = weights;
        _bias = bias;
        ClassCount = classCount;
        Temperature = temperature;
        _inverseTemperature = (float)(1.0 / temperature);
    }

    public int ClassCount { get; }

    /// <summary>The fitted temperature: logits are divided by it before the softmax.</summary>
    public double Temperature { get; }

    public int FeatureCount => _features.Count;

    /// <summary>The best class and its calibrated probability.</summary>
    public IntentPrediction Predict(ReadOnlySpan<char> text)
    {
        float[]? rented = null;
        var logits = ClassCount <= StackLimit ? stackalloc float[ClassCount] : (rented = ArrayPool<float>.Shared.Rent(ClassCount)).AsSpan(0, ClassCount);
        try
        {
            ComputeLogits(text, logits);
            return Best(logits, _inverseTemperature);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The uncalibrated scores (temperature 1) of every class.</summary>
    public void ComputeLogits(ReadOnlySpan<char> text, Span<float> logits)
    {
        var capacity = FeatureSpace.Capacity(text.Length);
        var indices = ArrayPool<int>.Shared.Rent(capacity);
        var values = ArrayPool<float>.Shared.Rent(capacity);
        try
        {
            var count = _features.Vectorise(text, indices, values);
            Scores(_weights, _bias, 1f, indices.AsSpan(0, count), values.AsSpan(0, count), logits);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
            ArrayPool<int>.Shared.Return(indices);
        }
    }

    /// <summary>The calibrated probability of every class.</summary>
    public void ComputeProbabilities(ReadOnlySpan<char> text, Span<float> probabilities)
    {
        ComputeLogits(text, probabilities);
        Softmax(probabilities, _inverseTemperature);
    }

    /// <summary>
    /// Trains on <paramref name="texts"/> with class indices <paramref name="labels"/> in [0, classCount), and
    /// fits the temperature on <see cref="IntentClassifierOptions.CalibrationFolds"/>-fold held-out predictions.
    /// </summary>
    public static IntentClassifier Train(IReadOnlyList<string> texts, IReadOnlyList<int> labels, int classCount, IntentClassifierOptions options)
        => Train(texts, labels, classCount, options, [], []);

    /// <summary>
    /// As above, with <paramref name="backgroundTexts"/> (labels <paramref name="backgroundLabels"/>) always in the
    /// training set and never held out for calibration: material such as the answers themselves, which is not a
    /// sample of what customers ask.
    /// </summary>
    public static IntentClassifier Train(IReadOnlyList<string> texts, IReadOnlyList<int> labels, int classCount, IntentClassifierOptions options, IReadOnlyList<string> backgroundTexts, IReadOnlyList<int> backgroundLabels)
    {
        ArgumentOutOfRangeException.ThrowIfZero(texts.Count);
        ArgumentOutOfRangeException.ThrowIfNotEqual(labels.Count, texts.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if (labels.Any(l => l < 0 || l >= classCount))
        {
            throw new ArgumentOutOfRangeException(nameof(labels), "Every label must be in [0, classCount).");
        }

        var folds = options.CalibrationFolds >= 2 ? Math.Min(options.CalibrationFolds, texts.Count) : 0;
        var foldOf = folds > 0 ? StratifiedFolds(labels, classCount, folds, options.Seed) : [];
        var heldOutLogits = new float[folds > 0 ? texts.Count * classCount : 0];
        IntentClassifier? full = null;

        // Job 0 trains on everything; job k (1..folds) trains without fold k-1 and scores it.
        Parallel.For(0, folds + 1, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism) }, job =>
        {
            if (job == 0)
            {
                full = TrainLinear([.. texts, .. backgroundTexts], [.. labels, .. backgroundLabels], classCount, options, 1.0);
                return;
            }
            var fold = job - 1;
            var trainIndex = Enumerable.Range(0, texts.Count).Where(i => foldOf[i] != fold).ToList();
            var model = TrainLinear([.. trainIndex.Select(i => texts[i]), .. backgroundTexts], [.. trainIndex.Select(i => labels[i]), .. backgroundLabels], classCount, options, 1.0);
            for (var i = 0; i < texts.Count; i++)
            {
                if (foldOf[i] == fold)
                {
                    model.ComputeLogits(texts[i], heldOutLogits.AsSpan(i * classCount, classCount));
                }
            }
        });

        var temperature = folds > 0 ? Calibration.FitTemperature(heldOutLogits, [.. labels], classCount) : 1.0;
        return new IntentClassifier(full!._features, full._weights, full._bias, classCount, temperature);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static IntentClassifier TrainLinear(IReadOnlyList<string> texts, IReadOnlyList<int> labels, int classCount, IntentClassifierOptions options, double temperature)
    {
        var features = FeatureSpace.Build(texts, options.MinDocumentFrequency);

        // The training texts as a sparse matrix (compressed rows).
        var offsets = new int[texts.Count + 1];
        var indices = new List<int>();
        var values = new List<float>();
        var maxCapacity = texts.Max(t => FeatureSpace.Capacity(t.Length));
        var rowIndices = new int[maxCapacity];
        var rowValues = new float[maxCapacity];
        for (var i = 0; i < texts.Count; i++)
        {
            var count = features.Vectorise(texts[i], rowIndices, rowValues);
            indices.AddRange(rowIndices.AsSpan(0, count));
            values.AddRange(rowValues.AsSpan(0, count));
            offsets[i + 1] = indices.Count;
        }
        var allIndices = indices.ToArray();
        var allValues = values.ToArray();

        // SGD on the softmax cross-entropy. The L2 penalty shrinks every weight each step; it is applied through a
        // global scale (w = scale * v) so a step only touches the rows of the text's features.
        var weights = new float[features.Count * classCount];
        var bias = new float[classCount];
        var scale = 1.0;
        var gradient = new float[classCount];
        var order = Enumerable.Range(0, texts.Count).ToArray();
        var random = new SplitMix64(options.Seed);
        var epochs = Math.Max(options.Epochs, (options.MinimumSteps + texts.Count - 1) / texts.Count);
        var l2 = options.L2 / texts.Count;
        var totalSteps = (double)epochs * texts.Count;
        var step = 0L;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var i in order)
            {
                var rate = options.LearningRate * (1.0 - (step++ / totalSteps));
                var rowIdx = allIndices.AsSpan(offsets[i], offsets[i + 1] - offsets[i]);
                var rowVal = allValues.AsSpan(offsets[i], offsets[i + 1] - offsets[i]);
                Scores(weights, bias, (float)scale, rowIdx, rowVal, gradient);
                Softmax(gradient, 1f);
                gradient[labels[i]] -= 1f;

                scale *= 1.0 - (rate * l2);
                for (var k = 0; k < rowIdx.Length; k++)
                {
                    AddScaled(weights.AsSpan(rowIdx[k] * classCount, classCount), gradient, (float)(-rate * rowVal[k] / scale));
                }
                AddScaled(bias, gradient, (float)-rate);
                if (scale < 1e-4)
                {
                    MultiplyInPlace(weights, (float)scale);
                    scale = 1.0;
                }
            }
        }
        MultiplyInPlace(weights, (float)scale);
        return new IntentClassifier(features, weights, bias, classCount, temperature);
    }

    /// <summary>Assigns each example a fold in [0, folds), every class spread evenly over the folds.</summary>
    internal static int[] StratifiedFolds(IReadOnlyList<int> labels, int classCount, int folds, ulong seed)
    {
        var random = new SplitMix64(seed ^ 0x5DEECE66DUL);
        var foldOf = new int[labels.Count];
        var next = 0;
        for (var label = 0; label < classCount; label++)
        {
            var members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == label).ToArray();
            random.Shuffle(members);
            foreach (var member in members)
            {
                foldOf[member] = next;
                next = (next + 1) % folds;
            }
        }
        return foldOf;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores(float[] weights, float[] bias, float scale, ReadOnlySpan<int> indices, ReadOnlySpan<float> values, Span<float> scores)
    {
        var classCount = scores.Length;
        scores.Clear();
        for (var k = 0; k < indices.Length; k++)
        {
            AddScaled(scores, weights.AsSpan(indices[k] * classCount, classCount), values[k]);
        }
        for (var c = 0; c < classCount; c++)
        {
            scores[c] = (scores[c] * scale) + bias[c];
        }
    }

    private static IntentPrediction Best(ReadOnlySpan<float> logits, float inverseTemperature)
    {
        var best = 0;
        for (var c = 1; c < logits.Length; c++)
        {
            if (logits[c] > logits[best])
            {
                best = c;
            }
        }
        var sum = 0.0;
        for (var c = 0; c < logits.Length; c++)
        {
            sum += Math.Exp((logits[c] - logits[best]) * inverseTemperature);
        }
        return new IntentPrediction(best, 1.0 / sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Softmax(Span<float> values, float inverseTemperature)
    {
        var max = float.NegativeInfinity;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }
        var sum = 0f;
        for (var c = 0; c < values.Length; c++)
        {
            values[c] = MathF.Exp((values[c] - max) * inverseTemperature);
            sum += values[c];
        }
        for (var c = 0; c < values.Length; c++)
        {
            values[c] /= sum;
        }
    }

    /// <summary>destination += factor * source.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScaled(Span<float> destination, ReadOnlySpan<float> source, float factor)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var f = new Vector<float>(factor);
            for (; i <= destination.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var d = new Vector<float>(destination[i..]);
                (d + (new Vector<float>(source[i..]) * f)).CopyTo(destination[i..]);
            }
        }
        for (; i < destination.Length; i++)
        {
            destination[i] += factor * source[i];
        }
    }

    private static void MultiplyInPlace(Span<float> values, float factor)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }
}
