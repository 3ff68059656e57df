using System.Globalization;
using HandoffBot.Escalation.Sentiment;

namespace HandoffBot.Eval;

/// <summary>
/// The local analyzer on the four ground-truth corpora of Hutto &amp; Gilbert (2014), <c>&lt;data&gt;/vader</c>:
/// 3-class (positive / neutral / negative) with VADER's ±0.05 thresholds, on our compound for the prediction and
/// on the human mean rating for the truth. F1 is the support-weighted average of the per-class F1 scores (what
/// scikit-learn's classification report printed as "avg / total" in 2014, the figures the paper's Table 4 gives);
/// macro F1 and accuracy are shown beside it. Figures: <c>&lt;corpus&gt;_f1</c> with the product's default
/// (customer-service cues on).
/// </summary>
internal sealed class SentimentEvaluation : IEvaluation
{
    private static readonly (string Key, string File, double Paper)[] Corpora =
    [
        ("tweets", "tweets_GroundTruth.txt", 0.96),
        ("movie", "movieReviewSnippets_GroundTruth.txt", 0.61),
        ("amazon", "amazonReviewSnippets_GroundTruth.txt", 0.63),
        ("nyt", "nytEditorialSnippets_GroundTruth.txt", 0.55),
    ];

    public string Name => "sentiment";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken)
    {
        var lexiconPath = Path.Combine(AppContext.BaseDirectory, new SentimentOptions().LexiconPath);
        var lexicon = VaderLexicon.Load(lexiconPath);
        var withCues = new VaderSentimentAnalyzer(lexicon, CustomerServiceCues.Create(null));
        var withoutCues = new VaderSentimentAnalyzer(lexicon, cues: null);

        await output.WriteLineAsync($"Lexicon: {lexiconPath} ({lexicon.Count} entries; npm vader-sentiment@1.1.3), {lexicon.EmojiCount} emoji.");
        await output.WriteLineAsync("3 classes, thresholds ±0.05 on compound (ours) and on the mean human rating (truth).");
        await output.WriteLineAsync("F1 = support-weighted mean of per-class F1 (the paper's Table 4); macro F1 and accuracy beside it.");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| corpus | n | F1 (cues on) | F1 (cues off) | paper F1 | difference | macro F1 | accuracy |");
        await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|---:|---:|");

        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, file, paper) in Corpora)
        {
            var path = Path.Combine(dataFolder, "vader", file);
            var rows = await ReadCorpusAsync(path, cancellationToken);
            var on = Measure(rows, withCues);
            var off = Measure(rows, withoutCues);
            figures[$"{key}_f1"] = on.WeightedF1;
            figures[$"{key}_f1_no_cues"] = off.WeightedF1;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {key} | {rows.Count} | {on.WeightedF1:F4} | {off.WeightedF1:F4} | {paper:F2} | {on.WeightedF1 - paper:+0.0000;-0.0000} | {on.MacroF1:F4} | {on.Accuracy:F4} |"));
        }
        return figures;
    }

    private static async Task<List<(double Rating, string Text)>> ReadCorpusAsync(string path, CancellationToken cancellationToken)
    {
        var rows = new List<(double, string)>();
        var lineNumber = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            var parts = line.Split('\t', 3);
            if (parts.Length < 3 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rating))
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected 'id<TAB>mean rating<TAB>text'.");
            }
            rows.Add((rating, parts[2]));
        }
        return rows;
    }

    internal readonly record struct Figures(double WeightedF1, double MacroF1, double Accuracy);

    private static Figures Measure(List<(double Rating, string Text)> rows, VaderSentimentAnalyzer analyzer)
    {
        // confusion[truth, predicted] over 0 = negative, 1 = neutral, 2 = positive
        var confusion = new int[3, 3];
        foreach (var (rating, text) in rows)
        {
            confusion[ClassOf(rating), ClassOf(analyzer.Analyze(text).Compound)]++;
        }
        return Score(confusion);
    }

    internal static int ClassOf(double score) =>
        score >= VaderRules.PositiveThreshold ? 2 : score <= VaderRules.NegativeThreshold ? 0 : 1;

    internal static Figures Score(int[,] confusion)
    {
        var total = 0;
        var correct = 0;
        var weighted = 0.0;
        var macro = 0.0;
        for (var c = 0; c < 3; c++)
        {
            int truth = 0, predicted = 0;
            for (var k = 0; k < 3; k++)
            {
                truth += confusion[c, k];
                predicted += confusion[k, c];
            }
            var hit = confusion[c, c];
            var precision = predicted == 0 ? 0 : (double)hit / predicted;
            var recall = truth == 0 ? 0 : (double)hit / truth;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            weighted += f1 * truth;
            macro += f1 / 3;
            total += truth;
            correct += hit;
        }
        return new Figures(weighted / total, macro, (double)correct / total);
    }
}
