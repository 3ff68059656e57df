using HandoffBot.Escalation;
using Microsoft.Extensions.DependencyInjection;
using static HandoffBot.Eval.EscalationEvaluationSupport;

namespace HandoffBot.Eval;

/// <summary>
/// Human-request detection on the Bitext customer-support sample: <c>contact_human_agent</c> is positive, every other
/// intent negative; precision, recall and F1 of the HumanRequest trigger, and the 20 worst errors. The rules were
/// written from how people ask for a person, not from this data.
/// </summary>
internal sealed class HumanRequestEvaluation : IEvaluation
{
    public string Name => "bitext";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataFolder, "bitext", "bitext_customer_support_sample.csv");
        var rows = await Csv.ReadAsync(path, cancellationToken);
        await using var services = CreateServices();
        var detector = services.GetRequiredService<EscalationDetector>();
        int tp = 0, fp = 0, fn = 0, tn = 0;
        var errors = new List<(string Kind, string Intent, string Text, double Score, string Evidence)>();
        foreach (var row in rows)
        {
            var text = row["instruction"];
            var positive = row["intent"] == "contact_human_agent";
            var decision = await FirstTurnAsync(detector, text, null, cancellationToken);
            var signal = Fired(decision, TriggerNames.HumanRequest);
            var predicted = signal is not null;
            switch (positive, predicted)
            {
                case (true, true): tp++; break;
                case (false, false): tn++; break;
                case (false, true):
                    fp++;
                    errors.Add(("FP", row["intent"], text, signal!.Score, string.Join(" | ", signal.Evidence.Select(e => e.Text))));
                    break;
                case (true, false): fn++; errors.Add(("FN", row["intent"], text, 0, string.Empty)); break;
            }
        }
        var (precision, recall, f1) = Prf(tp, fp, fn);
        await output.WriteLineAsync($"Bitext human-request detection ({rows.Count} utterances; positive = contact_human_agent, {tp + fn} of them)");
        await output.WriteLineAsync("| precision | recall | F1 | TP | FP | FN | TN |");
        await output.WriteLineAsync("|---|---|---|---|---|---|---|");
        await output.WriteLineAsync($"| {F(precision)} | {F(recall)} | {F(f1)} | {tp} | {fp} | {fn} | {tn} |");
        await output.WriteLineAsync();
        await output.WriteLineAsync($"Worst errors (up to 20 of {errors.Count}; false positives by score, then false negatives):");
        foreach (var error in errors.OrderByDescending(e => e.Kind == "FP").ThenByDescending(e => e.Score).Take(20))
        {
            await output.WriteLineAsync($"  {error.Kind} [{error.Intent}] score {F(error.Score)}: {error.Text}{(error.Evidence.Length > 0 ? $"  (matched: {error.Evidence})" : string.Empty)}");
        }
        return new Dictionary<string, double> { ["precision"] = precision, ["recall"] = recall, ["f1"] = f1 };
    }
}
