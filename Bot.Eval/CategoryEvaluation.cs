using HandoffBot.Escalation;
using Microsoft.Extensions.DependencyInjection;
using static HandoffBot.Eval.EscalationEvaluationSupport;

namespace HandoffBot.Eval;

/// <summary>
/// Category rules on Banking77 <c>test.csv</c>, with intents mapped to our categories (see <see cref="Mapping"/>);
/// every other intent is <c>none</c>. Per-category precision, recall and F1 of the Category trigger.
/// </summary>
internal sealed class CategoryEvaluation : IEvaluation
{
    /// <summary>Banking77 intent -> our category (the heads are trained with the same mapping).</summary>
    public static IReadOnlyDictionary<string, string> Mapping => HandoffBot.Training.LabelledMessages.Banking77Categories;

    private static readonly string[] Categories = ["fraud", "billing_dispute"];

    public string Name => "banking77";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken)
    {
        // BANKING77_SPLIT=train looks at the training split (for error analysis while writing rules); figures come from test.
        var split = Environment.GetEnvironmentVariable("BANKING77_SPLIT") == "train" ? "train" : "test";
        var rows = await Csv.ReadAsync(Path.Combine(dataFolder, "banking77", $"{split}.csv"), cancellationToken);
        var misses = new List<string>();
        await using var services = CreateServices();
        var detector = services.GetRequiredService<EscalationDetector>();
        var counts = Categories.ToDictionary(c => c, _ => (Tp: 0, Fp: 0, Fn: 0), StringComparer.Ordinal);
        var confusions = new Dictionary<(string Intent, string Predicted), int>();
        foreach (var row in rows)
        {
            var text = row["text"];
            var truth = Mapping.GetValueOrDefault(row["category"], EscalationDecision.NoCategory);
            var decision = await FirstTurnAsync(detector, text, null, cancellationToken);
            var predicted = Fired(decision, TriggerNames.Category)?.Category ?? EscalationDecision.NoCategory;
            foreach (var category in Categories)
            {
                var c = counts[category];
                if (truth == category && predicted == category) { c.Tp++; }
                else if (predicted == category) { c.Fp++; }
                else if (truth == category) { c.Fn++; }
                counts[category] = c;
            }
            if (truth != predicted)
            {
                var key = (row["category"], predicted);
                confusions[key] = confusions.GetValueOrDefault(key) + 1;
                if (split == "train")
                {
                    misses.Add($"  {row["category"]} -> {predicted}: {text}");
                }
            }
        }
        await output.WriteLineAsync($"Banking77 category rules ({rows.Count} {split} queries). Mapping (everything else = none):");
        foreach (var group in Mapping.GroupBy(m => m.Value))
        {
            await output.WriteLineAsync($"  {group.Key}: {string.Join(", ", group.Select(g => g.Key))}");
        }
        await output.WriteLineAsync("| category | precision | recall | F1 | TP | FP | FN |");
        await output.WriteLineAsync("|---|---|---|---|---|---|---|");
        var figures = new Dictionary<string, double>();
        foreach (var category in Categories)
        {
            var (tp, fp, fn) = counts[category];
            var (precision, recall, f1) = Prf(tp, fp, fn);
            await output.WriteLineAsync($"| {category} | {F(precision)} | {F(recall)} | {F(f1)} | {tp} | {fp} | {fn} |");
            figures[$"{category}_precision"] = precision;
            figures[$"{category}_recall"] = recall;
            figures[$"{category}_f1"] = f1;
        }
        await output.WriteLineAsync("Largest confusions (true intent -> predicted category: count):");
        foreach (var ((intent, predicted), count) in confusions.OrderByDescending(c => c.Value).Take(12))
        {
            await output.WriteLineAsync($"  {intent} -> {predicted}: {count}");
        }
        foreach (var miss in misses)
        {
            await output.WriteLineAsync(miss);
        }
        return figures;
    }
}
