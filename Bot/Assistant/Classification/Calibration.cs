namespace HandoffBot.Assistant.Classification;

/// <summary>One confidence bin of a reliability diagram: how sure the model said it was and how often it was right.</summary>
internal readonly record struct ReliabilityBin(double From, double To, int Count, double MeanConfidence, double Accuracy);

/// <summary>Temperature scaling (Guo et al. 2017) and the expected calibration error.</summary>
internal static class Calibration
{
    /// <summary>
    /// The temperature T that minimises the negative log-likelihood of <paramref name="labels"/> under
    /// softmax(logits / T); logits are row-major, <paramref name="classCount"/> per example. The likelihood is
    /// convex in 1/T, so a golden-section search on 1/T in [0.02, 50] finds it.
    /// </summary>
    public static double FitTemperature(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classCount)
    {
        double low = 0.02, high = 50.0;
        var ratio = (Math.Sqrt(5) - 1) / 2;
        var a = high - (ratio * (high - low));
        var b = low + (ratio * (high - low));
        var fa = NegativeLogLikelihood(logits, labels, classCount, a);
        var fb = NegativeLogLikelihood(logits, labels, classCount, b);
        for (var iteration = 0; iteration < 80 && high - low > 1e-6; iteration++)
        {
            if (fa <= fb)
            {
                high = b;
                b = a;
                fb = fa;
                a = high - (ratio * (high - low));
                fa = NegativeLogLikelihood(logits, labels, classCount, a);
            }
            else
            {
                low = a;
                a = b;
                fa = fb;
                b = low + (ratio * (high - low));
                fb = NegativeLogLikelihood(logits, labels, classCount, b);
            }
        }
        return 1.0 / ((low + high) / 2);
    }

    /// <summary>Mean negative log-likelihood with logits multiplied by <paramref name="inverseTemperature"/>.</summary>
    public static double NegativeLogLikelihood(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classCount, double inverseTemperature)
    {
        var total = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var row = logits.Slice(i * classCount, classCount);
            var max = double.NegativeInfinity;
            foreach (var v in row)
            {
                max = Math.Max(max, v * inverseTemperature);
            }
            var sum = 0.0;
            foreach (var v in row)
            {
                sum += Math.Exp((v * inverseTemperature) - max);
            }
            total += max + Math.Log(sum) - (row[labels[i]] * inverseTemperature);
        }
        return total / labels.Length;
    }

    /// <summary>
    /// Expected calibration error: the confidence range cut into <paramref name="bins"/> equal bins, the mean gap
    /// between confidence and accuracy in each bin, weighted by how many predictions fall in it.
    /// </summary>
    public static double ExpectedCalibrationError(IReadOnlyList<(double Confidence, bool Correct)> predictions, int bins = 15)
        => Reliability(predictions, bins).Sum(b => b.Count * Math.Abs(b.MeanConfidence - b.Accuracy)) / Math.Max(1, predictions.Count);

    /// <summary>The reliability diagram behind <see cref="ExpectedCalibrationError"/> (empty bins left out).</summary>
    public static IReadOnlyList<ReliabilityBin> Reliability(IReadOnlyList<(double Confidence, bool Correct)> predictions, int bins = 15)
    {
        var result = new List<ReliabilityBin>();
        for (var b = 0; b < bins; b++)
        {
            double from = (double)b / bins, to = (double)(b + 1) / bins;
            var inBin = predictions.Where(p => (p.Confidence > from || (b == 0 && p.Confidence >= 0)) && p.Confidence <= to).ToList();
            if (inBin.Count > 0)
            {
                result.Add(new ReliabilityBin(from, to, inBin.Count, inBin.Average(p => p.Confidence), inBin.Average(p => p.Correct ? 1.0 : 0.0)));
            }
        }
        return result;
    }
}
