using System.Globalization;
using HandoffBot.Assistant;
using HandoffBot.Assistant.Classification;
using HandoffBot.Escalation.Embedding;

namespace HandoffBot.Eval;

/// <summary>
/// The assistant on its own knowledge base (Bot/Knowledge/retail-kb.json), by nested cross-validation: each of 5
/// stratified folds of example phrasings is held out in turn, the answer engine is trained on the rest exactly as the
/// bot trains it (its own inner cross-validation fits the temperature), and the held-out phrasings are answered.
/// Reports accuracy, expected calibration error (calibrated and, for comparison, with temperature 1), and what each
/// confidence threshold would do. Needs no data folder.
/// </summary>
internal sealed class KnowledgeBaseEvaluation : IEvaluation
{
    private const int Folds = 5;

    /// <summary>The bot's encoder: the engine stacks its vector classifier on the words, as the bot does.</summary>
    private static readonly MiniLmEmbedder Embedder = new();

    public string Name => "knowledge_base";

    public Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken)
    {
        var knowledge = KnowledgeBase.Load(Path.Combine(AppContext.BaseDirectory, "Knowledge", "retail-kb.json"));
        var options = new IntentClassifierOptions();
        var calibrated = CrossValidate(knowledge, options);
        var uncalibrated = CrossValidate(knowledge, options with { CalibrationFolds = 0 });

        var accuracy = calibrated.Average(p => p.Correct ? 1.0 : 0.0);
        var ece = Calibration.ExpectedCalibrationError(calibrated);
        var eceUncalibrated = Calibration.ExpectedCalibrationError(uncalibrated);
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(ci, $"{knowledge.Entries.Count} entries, {calibrated.Count} example phrasings, {Folds}-fold nested cross-validation"));
        output.WriteLine(string.Create(ci, $"accuracy {100 * accuracy:F1}%, mean confidence {calibrated.Average(p => p.Confidence):F3}, expected calibration error {ece:F4} (temperature 1: {eceUncalibrated:F4}, mean confidence {uncalibrated.Average(p => p.Confidence):F3})"));
        output.WriteLine();
        output.WriteLine("| threshold | answered | accuracy of answered |");
        output.WriteLine("|---|---|---|");
        foreach (var threshold in new[] { 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.8 })
        {
            var answered = calibrated.Where(p => p.Confidence >= threshold).ToList();
            output.WriteLine(string.Create(ci, $"| {threshold:F2} | {100.0 * answered.Count / calibrated.Count:F1}% | {(answered.Count == 0 ? 0 : 100 * answered.Average(p => p.Correct ? 1.0 : 0.0)):F1}% |"));
        }
        output.WriteLine();
        output.WriteLine("| confidence | n | mean confidence | accuracy |");
        output.WriteLine("|---|---|---|---|");
        foreach (var bin in Calibration.Reliability(calibrated, 5))
        {
            output.WriteLine(string.Create(ci, $"| {bin.From:F1}-{bin.To:F1} | {bin.Count} | {bin.MeanConfidence:F3} | {bin.Accuracy:F3} |"));
        }

        IReadOnlyDictionary<string, double> figures = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["cv_accuracy"] = 100 * accuracy,
            ["cv_ece"] = ece,
            ["cv_ece_uncalibrated"] = eceUncalibrated,
        };
        return Task.FromResult(figures);
    }

    private static List<(double Confidence, bool Correct)> CrossValidate(KnowledgeBase knowledge, IntentClassifierOptions options)
    {
        var examples = knowledge.Entries.SelectMany((entry, label) => entry.Examples.Select((text, index) => (Entry: entry, Text: text, Label: label))).ToList();
        var foldOf = IntentClassifier.StratifiedFolds([.. examples.Select(e => e.Label)], knowledge.Entries.Count, Folds, 7);
        var results = new List<(double Confidence, bool Correct)>();
        for (var fold = 0; fold < Folds; fold++)
        {
            var heldOut = examples.Where((_, i) => foldOf[i] == fold).ToList();
            var kept = knowledge.Entries
                .Select(entry => entry with { Examples = [.. examples.Where((e, i) => foldOf[i] != fold && e.Entry.Id == entry.Id).Select(e => e.Text)] })
                .ToList();
            var engine = new ClassifierAnswerEngine(new KnowledgeBase(new KnowledgeBaseDocument(knowledge.Name, kept)), options, Embedder);
            foreach (var (entry, text, _) in heldOut)
            {
                var answer = engine.Answer(text);
                results.Add((answer.Confidence, answer.Entry?.Id == entry.Id));
            }
        }
        return results;
    }
}
