namespace HandoffBot.Assistant.Classification;

/// <summary>
/// An intent classifier over sentence vectors (the message's <c>MessageEmbedding</c>): softmax regression with
/// its temperature fitted on held-out examples (or on the training examples when there are none).
/// </summary>
internal sealed class EmbeddingIntentHead
{
    private EmbeddingIntentHead(DenseSoftmaxModel model) => Model = model;

    public DenseSoftmaxModel Model { get; }

    public static EmbeddingIntentHead Train(IReadOnlyList<float[]> vectors, IReadOnlyList<int> labels, int classCount, IReadOnlyList<float[]>? heldOut = null, IReadOnlyList<int>? heldOutLabels = null, DenseSoftmaxOptions? options = null)
    {
        var model = DenseSoftmaxTrainer.Train(vectors, labels, null, classCount, options ?? new DenseSoftmaxOptions { Epochs = 10, L2 = 1e-3 });
        var calibrate = heldOut is { Count: > 0 } ? heldOut : vectors;
        var calibrateLabels = heldOutLabels is { Count: > 0 } ? heldOutLabels : labels;
        var logits = new float[calibrate.Count * classCount];
        for (var i = 0; i < calibrate.Count; i++)
        {
            model.Logits(calibrate[i], logits.AsSpan(i * classCount, classCount));
        }
        return new EmbeddingIntentHead(model.WithTemperature(Calibration.FitTemperature(logits, [.. calibrateLabels], classCount)));
    }

    public void Probabilities(ReadOnlySpan<float> vector, Span<float> probabilities) => Model.Probabilities(vector, probabilities);
}

/// <summary>
/// The word classifier and the vector head together: the mean of their calibrated probabilities (either alone
/// when the other is missing). The confidence is the winning mean probability.
/// </summary>
internal sealed class StackedIntentClassifier(IntentClassifier? words, EmbeddingIntentHead? vectors)
{
    public IntentPrediction Predict(ReadOnlySpan<char> text, ReadOnlySpan<float> vector)
    {
        var classCount = words?.ClassCount ?? vectors!.Model.ClassCount;
        Span<float> mean = classCount <= 512 ? stackalloc float[classCount] : new float[classCount];
        Span<float> part = classCount <= 512 ? stackalloc float[classCount] : new float[classCount];
        var parts = 0;
        if (words is not null)
        {
            words.ComputeProbabilities(text, part);
            Add(mean, part);
            parts++;
        }
        if (vectors is not null && vector.Length > 0)
        {
            vectors.Probabilities(vector, part);
            Add(mean, part);
            parts++;
        }
        var best = 0;
        for (var c = 1; c < classCount; c++)
        {
            if (mean[c] > mean[best])
            {
                best = c;
            }
        }
        return new IntentPrediction(best, mean[best] / Math.Max(1, parts));
    }

    private static void Add(Span<float> sum, ReadOnlySpan<float> values)
    {
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] += values[i];
        }
    }
}
