using System.Numerics.Tensors;
using System.Text.Json.Serialization;

namespace HandoffBot.Assistant.Classification;

/// <summary>
/// Multinomial logistic regression over dense features (a sentence vector plus a few scores): features are
/// standardised with the training mean and scale, logits are divided by a temperature fitted on held-out data.
/// Immutable and thread-safe; serialises to JSON as-is (the escalation heads are committed this way).
/// </summary>
internal sealed class DenseSoftmaxModel
{
    [JsonConstructor]
    public DenseSoftmaxModel(int classCount, int featureCount, float[] weights, float[] bias, float[] mean, float[] scale, double temperature)
    {
        if (weights.Length != classCount * featureCount || bias.Length != classCount || mean.Length != featureCount || scale.Length != featureCount || temperature <= 0)
        {
            throw new InvalidDataException($"A dense softmax model of {classCount} classes over {featureCount} features has mismatched arrays or temperature {temperature}.");
        }
        ClassCount = classCount;
        FeatureCount = featureCount;
        Weights = weights;
        Bias = bias;
        Mean = mean;
        Scale = scale;
        Temperature = temperature;
    }

    public int ClassCount { get; }

    public int FeatureCount { get; }

    /// <summary>Row-major: <see cref="FeatureCount"/> weights per class.</summary>
    public float[] Weights { get; }

    public float[] Bias { get; }

    public float[] Mean { get; }

    public float[] Scale { get; }

    public double Temperature { get; }

    public DenseSoftmaxModel WithTemperature(double temperature) => new(ClassCount, FeatureCount, Weights, Bias, Mean, Scale, temperature);

    /// <summary>Raw logits (temperature not applied) of one feature vector.</summary>
    public void Logits(ReadOnlySpan<float> features, Span<float> logits)
    {
        Span<float> standard = features.Length <= 1024 ? stackalloc float[features.Length] : new float[features.Length];
        Standardise(features, standard);
        for (var c = 0; c < ClassCount; c++)
        {
            logits[c] = TensorPrimitives.Dot(Weights.AsSpan(c * FeatureCount, FeatureCount), standard) + Bias[c];
        }
    }

    /// <summary>Calibrated class probabilities of one feature vector.</summary>
    public void Probabilities(ReadOnlySpan<float> features, Span<float> probabilities)
    {
        Logits(features, probabilities);
        IntentClassifier.Softmax(probabilities, (float)(1 / Temperature));
    }

    internal void Standardise(ReadOnlySpan<float> features, Span<float> destination)
    {
        TensorPrimitives.Subtract(features, Mean, destination);
        TensorPrimitives.Multiply(destination, Scale, destination);
    }
}

/// <summary>Settings of <see cref="DenseSoftmaxTrainer"/>.</summary>
internal sealed record DenseSoftmaxOptions
{
    public int Epochs { get; init; } = 30;

    public int BatchSize { get; init; } = 128;

    public double LearningRate { get; init; } = 0.01;

    /// <summary>L2 penalty on the weights (not the bias), per example.</summary>
    public double L2 { get; init; } = 1e-4;

    public ulong Seed { get; init; } = 20261202;
}

/// <summary>
/// Trains <see cref="DenseSoftmaxModel"/> with mini-batch Adam on the weighted cross-entropy, deterministically
/// for a seed (the shuffles come from <see cref="SplitMix64"/>; each batch is summed in example order). The
/// temperature is left at 1: calibrate on held-out data with <see cref="Calibration.FitTemperature"/>.
/// </summary>
internal static class DenseSoftmaxTrainer
{
    public static DenseSoftmaxModel Train(IReadOnlyList<float[]> rows, IReadOnlyList<int> labels, IReadOnlyList<double>? sampleWeights, int classCount, DenseSoftmaxOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        if (rows.Count == 0 || rows.Count != labels.Count || (sampleWeights is not null && sampleWeights.Count != rows.Count))
        {
            throw new ArgumentException("Training needs as many labels (and weights) as rows, and at least one row.");
        }
        var featureCount = rows[0].Length;
        var (mean, scale) = Moments(rows, featureCount);
        var weights = new float[classCount * featureCount];
        var bias = new float[classCount];
        var model = new DenseSoftmaxModel(classCount, featureCount, weights, bias, mean, scale, 1);

        var gradW = new float[weights.Length];
        var gradB = new float[classCount];
        var m = new float[weights.Length];
        var v = new float[weights.Length];
        var mb = new float[classCount];
        var vb = new float[classCount];
        var standard = new float[featureCount];
        var probabilities = new float[classCount];
        var order = Enumerable.Range(0, rows.Count).ToArray();
        var random = new SplitMix64(options.Seed);
        var meanWeight = sampleWeights is null ? 1.0 : sampleWeights.Average();
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
        var step = 0;
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                var end = Math.Min(order.Length, start + options.BatchSize);
                Array.Clear(gradW);
                Array.Clear(gradB);
                var batchWeight = 0.0;
                for (var k = start; k < end; k++)
                {
                    var i = order[k];
                    var w = (float)((sampleWeights?[i] ?? 1.0) / meanWeight);
                    batchWeight += w;
                    model.Standardise(rows[i], standard);
                    for (var c = 0; c < classCount; c++)
                    {
                        probabilities[c] = TensorPrimitives.Dot(weights.AsSpan(c * featureCount, featureCount), standard) + bias[c];
                    }
                    IntentClassifier.Softmax(probabilities, 1f);
                    for (var c = 0; c < classCount; c++)
                    {
                        var error = w * (probabilities[c] - (c == labels[i] ? 1f : 0f));
                        gradB[c] += error;
                        var row = gradW.AsSpan(c * featureCount, featureCount);
                        TensorPrimitives.MultiplyAdd(standard, error, row, row);
                    }
                }
                step++;
                var scaleGrad = (float)(1 / Math.Max(1e-9, batchWeight));
                var l2 = (float)options.L2;
                var lr = (float)(options.LearningRate * Math.Sqrt(1 - Math.Pow(beta2, step)) / (1 - Math.Pow(beta1, step)));
                Adam(weights, gradW, m, v, scaleGrad, l2, lr);
                Adam(bias, gradB, mb, vb, scaleGrad, 0, lr);
            }
        }
        return model;

        static void Adam(float[] parameters, float[] gradient, float[] m, float[] v, float scaleGrad, float l2, float lr)
        {
            for (var j = 0; j < parameters.Length; j++)
            {
                var g = (gradient[j] * scaleGrad) + (l2 * parameters[j]);
                m[j] = (float)((beta1 * m[j]) + ((1 - beta1) * g));
                v[j] = (float)((beta2 * v[j]) + ((1 - beta2) * g * g));
                parameters[j] -= (float)(lr * m[j] / (Math.Sqrt(v[j]) + epsilon));
            }
        }
    }

    /// <summary>Per-feature mean and 1/standard deviation (1 where a feature is constant).</summary>
    private static (float[] Mean, float[] Scale) Moments(IReadOnlyList<float[]> rows, int featureCount)
    {
        var sum = new double[featureCount];
        var squares = new double[featureCount];
        foreach (var row in rows)
        {
            for (var j = 0; j < featureCount; j++)
            {
                sum[j] += row[j];
                squares[j] += row[j] * (double)row[j];
            }
        }
        var mean = new float[featureCount];
        var scale = new float[featureCount];
        for (var j = 0; j < featureCount; j++)
        {
            var mu = sum[j] / rows.Count;
            var variance = Math.Max(0, (squares[j] / rows.Count) - (mu * mu));
            mean[j] = (float)mu;
            scale[j] = variance < 1e-12 ? 1f : (float)(1 / Math.Sqrt(variance));
        }
        return (mean, scale);
    }
}
