using System.Globalization;
using static HandoffBot.Eval.EscalationEvaluationSupport;

namespace HandoffBot.Eval;

/// <summary>
/// The trained heads on the public sets' held-out parts, which training never reads: Bitext's test part (15%,
/// chosen by a hash of the text) for the human request, Banking77 <c>test.csv</c> for fraud and billing disputes,
/// the test parts (15%) of VADER's four corpora for sentiment (3 classes, support-weighted F1 as in
/// <see cref="SentimentEvaluation"/>, with VADER itself on the same messages beside it).
/// </summary>
internal sealed class HeadsEvaluation : IEvaluation
{
    public string Name => "heads";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken)
    {
        var own = LabelledMessages.OwnFiles(Path.Combine(AppContext.BaseDirectory, "Data"));
        var test = (await LabelledMessages.LoadAsync(dataFolder, own, cancellationToken)).Where(m => m.Part == DataPart.Test).ToList();
        EvalEmbeddings.Store.Ensure(test.Select(m => m.Text), cancellationToken);
        await using var services = EvalEmbeddings.ModelServices();
        var (detector, vader) = EvalEmbeddings.Resolve(services);
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        var ci = CultureInfo.InvariantCulture;

        var counts = new Dictionary<string, (int Tp, int Fp, int Fn)>(StringComparer.Ordinal);
        var sentiment = new Dictionary<string, List<(int Truth, int Heads, int Vader)>>(StringComparer.Ordinal);
        foreach (var message in test)
        {
            var decision = await EvalEmbeddings.FirstTurnAsync(detector, vader, message.Text, cancellationToken);
            var read = EvalEmbeddings.Read(decision);
            if (message.Source == "bitext" && message.Human is { } human)
            {
                Count(counts, "bitext_human", human == 1, read.Human);
            }
            else if (message.Source == "banking77" && message.Category is { } category)
            {
                Count(counts, "banking77_fraud", LabelledMessages.Categories[category] == "fraud", read.Category == "fraud");
                Count(counts, "banking77_billing_dispute", LabelledMessages.Categories[category] == "billing_dispute", read.Category == "billing_dispute");
            }
            else if (message.Source.StartsWith("vader_", StringComparison.Ordinal) && message.Sentiment is { } truth && decision.Model is { } scores)
            {
                var neutral = 1 - scores.Negative - scores.Positive;
                var heads = scores.Negative >= Math.Max(neutral, scores.Positive) ? 0 : scores.Positive >= neutral ? 2 : 1;
                var compound = (await vader.AnalyzeAsync(message.Text.Trim(), null, cancellationToken)).Compound;
                var lexicon = compound <= -0.05 ? 0 : compound >= 0.05 ? 2 : 1;
                (sentiment.TryGetValue(message.Source, out var list) ? list : sentiment[message.Source] = []).Add((truth, heads, lexicon));
            }
        }

        await output.WriteLineAsync("Held-out parts of the public sets (never trained on):");
        await output.WriteLineAsync("| figure | n positive | precision | recall | F1 |");
        await output.WriteLineAsync("|---|---:|---:|---:|---:|");
        foreach (var (key, c) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var (p, r, f) = Prf(c.Tp, c.Fp, c.Fn);
            await output.WriteLineAsync($"| {key} | {c.Tp + c.Fn} | {F(p)} | {F(r)} | {F(f)} |");
            figures[$"{key}_precision"] = p;
            figures[$"{key}_recall"] = r;
            figures[$"{key}_f1"] = f;
        }
        await output.WriteLineAsync();
        await output.WriteLineAsync("| VADER corpus (test part) | n | heads F1 | VADER F1 (same messages) |");
        await output.WriteLineAsync("|---|---:|---:|---:|");
        foreach (var (source, list) in sentiment.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var heads = WeightedF1(list.Select(x => (x.Truth, x.Heads)).ToList());
            var lexicon = WeightedF1(list.Select(x => (x.Truth, x.Vader)).ToList());
            await output.WriteLineAsync(string.Create(ci, $"| {source[6..]} | {list.Count} | {heads:F4} | {lexicon:F4} |"));
            figures[$"{source[6..]}_f1"] = heads;
            figures[$"{source[6..]}_vader_f1"] = lexicon;
        }
        return figures;
    }

    private static void Count(Dictionary<string, (int Tp, int Fp, int Fn)> counts, string key, bool truth, bool predicted)
    {
        var c = counts.GetValueOrDefault(key);
        counts[key] = (c.Tp + (truth && predicted ? 1 : 0), c.Fp + (!truth && predicted ? 1 : 0), c.Fn + (truth && !predicted ? 1 : 0));
    }

    /// <summary>Support-weighted mean of the per-class F1 over the three classes.</summary>
    private static double WeightedF1(List<(int Truth, int Predicted)> pairs)
    {
        var total = 0.0;
        for (var c = 0; c < 3; c++)
        {
            var tp = pairs.Count(p => p.Truth == c && p.Predicted == c);
            var fp = pairs.Count(p => p.Truth != c && p.Predicted == c);
            var fn = pairs.Count(p => p.Truth == c && p.Predicted != c);
            total += Prf(tp, fp, fn).F1 * pairs.Count(p => p.Truth == c);
        }
        return total / Math.Max(1, pairs.Count);
    }
}
