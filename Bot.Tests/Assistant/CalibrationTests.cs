using HandoffBot.Assistant.Classification;

namespace HandoffBot.Tests.Assistant;

public sealed class CalibrationTests
{
    [Fact]
    public void TemperatureSoftensOverconfidentScores()
    {
        // Two classes, logits +-5 (softmax 0.99995) but only 70% right: the fitted temperature must be well above 1.
        var logits = new List<float>();
        var labels = new List<int>();
        for (var i = 0; i < 100; i++)
        {
            logits.AddRange([5f, -5f]);
            labels.Add(i < 70 ? 0 : 1);
        }

        var temperature = Calibration.FitTemperature(logits.ToArray(), labels.ToArray(), 2);

        var calibrated = 1 / (1 + Math.Exp(-10 / temperature));
        Assert.InRange(calibrated, 0.69, 0.71);
    }

    [Fact]
    public void ExpectedCalibrationErrorIsTheWeightedGapBetweenConfidenceAndAccuracy()
    {
        // 10 predictions at 0.9 confidence, 6 right: gap 0.3. 10 at 0.5, 5 right: gap 0.
        var predictions = Enumerable.Range(0, 10).Select(i => (0.9, i < 6)).Concat(Enumerable.Range(0, 10).Select(i => (0.5, i < 5))).ToList();

        Assert.Equal(0.15, Calibration.ExpectedCalibrationError(predictions), 6);
    }
}
