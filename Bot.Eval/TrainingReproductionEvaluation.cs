using System.Globalization;
using HandoffBot.Escalation;
using HandoffBot.Escalation.Models;

namespace HandoffBot.Eval;

/// <summary>
/// Trains the escalation heads afresh with the committed seed (on the vectors cached in this run) and compares
/// the run's out-of-fold metrics with those committed in <c>Escalation/Models/heads.json</c>: every precision,
/// recall and F1 within <see cref="Tolerance"/>. <c>reproduced</c> is 1 when they all are.
/// </summary>
internal sealed class TrainingReproductionEvaluation : IEvaluation
{
    public const double Tolerance = 0.03;

    public string Name => "training";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken)
    {
        var committed = EscalationHeadFile.Load(new EscalationModelOptions().FullPath);
        var (fresh, store) = await TrainingRun.TrainAsync(dataFolder, TrainingRun.DefaultCachePath(), TrainingRun.DefaultSeed, cancellationToken);
        var ci = CultureInfo.InvariantCulture;
        var worst = 0.0;
        var compared = 0;
        await output.WriteLineAsync($"fresh seeded run ({store.Embedded} texts embedded now) against the committed heads, tolerance {Tolerance.ToString(ci)}:");
        foreach (var (key, value) in committed.Metrics.Where(m => m.Key.Contains("_oof_", StringComparison.Ordinal)))
        {
            var now = fresh.Metrics.GetValueOrDefault(key, double.NaN);
            var difference = double.IsNaN(now) ? double.PositiveInfinity : Math.Abs(now - value);
            worst = Math.Max(worst, difference);
            compared++;
            if (difference > Tolerance)
            {
                await output.WriteLineAsync(string.Create(ci, $"  DIFFERS {key}: committed {value:F4}, fresh {now:F4}"));
            }
        }
        await output.WriteLineAsync(string.Create(ci, $"{compared} metrics compared; largest difference {worst:F4}"));
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["reproduced"] = compared > 0 && worst <= Tolerance ? 1 : 0,
            ["metrics_compared"] = compared,
        };
    }
}
