using static HandoffBot.Eval.EscalationEvaluationSupport;

namespace HandoffBot.Eval;

/// <summary>
/// The frozen, hand-written multi-domain set (<c>Data/escalation-eval.tsv</c>, see its README): never trained,
/// calibrated or tuned on. Per signal precision, recall and F1 of the decision with the trained heads and of the
/// rule triggers alone, and the errors of the heads (to read, never to tune on).
/// </summary>
internal sealed class MultiDomainEvaluation : IEvaluation
{
    private static readonly string[] Signals = ["human", "urgent", "negative", "billing_dispute", "legal", "fraud"];

    public string Name => "multidomain";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken)
    {
        var rows = LabelledMessages.ReadOwn(Path.Combine(AppContext.BaseDirectory, "Data", "escalation-eval.tsv"));
        EvalEmbeddings.Store.Ensure(rows.Select(r => r.Text), cancellationToken);
        await using var withModel = EvalEmbeddings.ModelServices();
        await using var rulesOnly = CreateServices();
        var (model, vader) = EvalEmbeddings.Resolve(withModel);
        var (rules, _) = EvalEmbeddings.Resolve(rulesOnly);
        var counts = new Dictionary<string, (int Tp, int Fp, int Fn)>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var row in rows)
        {
            bool[] truth = [row.Human, row.Urgent, row.Negative, row.Category == "billing_dispute", row.Category == "legal", row.Category == "fraud"];
            foreach (var (system, detector) in new[] { ("model", model), ("rules", rules) })
            {
                var read = EvalEmbeddings.Read(await EvalEmbeddings.FirstTurnAsync(detector, vader, row.Text, cancellationToken));
                bool[] predicted = [read.Human, read.Urgent, read.Negative, read.Category == "billing_dispute", read.Category == "legal", read.Category == "fraud"];
                for (var s = 0; s < Signals.Length; s++)
                {
                    var key = $"{system}.{Signals[s]}";
                    var c = counts.GetValueOrDefault(key);
                    counts[key] = (c.Tp + (truth[s] && predicted[s] ? 1 : 0), c.Fp + (!truth[s] && predicted[s] ? 1 : 0), c.Fn + (truth[s] && !predicted[s] ? 1 : 0));
                    if (system == "model" && truth[s] != predicted[s])
                    {
                        errors.Add($"  {(predicted[s] ? "FP" : "FN")} {Signals[s]} [{row.Domain}] {row.Text}");
                    }
                }
            }
        }
        var domains = rows.Select(r => r.Domain).Distinct(StringComparer.Ordinal).Count();
        await output.WriteLineAsync($"Frozen multi-domain set: {rows.Count} messages, {domains} domains (Bot.Eval/Data/escalation-eval.tsv).");
        await output.WriteLineAsync("| signal | positives | heads P | heads R | heads F1 | rules P | rules R | rules F1 |");
        await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|---:|---:|");
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var signal in Signals)
        {
            var m = counts[$"model.{signal}"];
            var r = counts[$"rules.{signal}"];
            var (mp, mr, mf) = Prf(m.Tp, m.Fp, m.Fn);
            var (rp, rr, rf) = Prf(r.Tp, r.Fp, r.Fn);
            await output.WriteLineAsync($"| {signal} | {m.Tp + m.Fn} | {F(mp)} | {F(mr)} | {F(mf)} | {F(rp)} | {F(rr)} | {F(rf)} |");
            figures[$"{signal}_precision"] = mp;
            figures[$"{signal}_recall"] = mr;
            figures[$"{signal}_f1"] = mf;
            figures[$"rules_{signal}_f1"] = rf;
        }
        await output.WriteLineAsync();
        await output.WriteLineAsync($"Errors of the heads ({errors.Count}; read them, never tune on them):");
        foreach (var error in errors)
        {
            await output.WriteLineAsync(error);
        }
        return figures;
    }
}
