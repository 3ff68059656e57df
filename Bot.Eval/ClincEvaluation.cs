using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HandoffBot.Assistant;
using HandoffBot.Assistant.Classification;

namespace HandoffBot.Eval;

/// <summary>
/// The assistant's classifier on CLINC150 "Full" (Larson et al., EMNLP 2019), out-of-scope by a threshold on the
/// calibrated probability. Trains on <c>train</c> only (in-scope; <c>oos_train</c> is not used, as in the paper's
/// threshold setting), fits nothing on test: the temperature comes from cross-validation on <c>train</c> (the same
/// procedure the bot runs on its knowledge base), the threshold from <c>val</c> + <c>oos_val</c>, maximising the
/// accuracy of the 151-way decision (an intent or out-of-scope). Reports in-scope accuracy and out-of-scope recall on
/// <c>test</c>/<c>oos_test</c> and the expected calibration error on <c>test</c>.
/// </summary>
internal sealed class ClincEvaluation : IEvaluation
{
    private static readonly (string System, double InScope, double OutOfScope)[] Published =
    [
        ("SVM", 88.2, 18.0), ("FastText", 88.6, 28.3), ("DialogFlow", 90.8, 26.7), ("Rasa", 90.9, 31.2),
        ("CNN", 90.9, 30.9), ("MLP", 93.4, 49.1), ("BERT", 96.2, 52.3),
    ];

    public string Name => "clinc150";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataFolder, "clinc150", "data_full.json");
        Dictionary<string, List<List<string>>> splits;
        await using (var stream = File.OpenRead(path))
        {
            splits = await JsonSerializer.DeserializeAsync<Dictionary<string, List<List<string>>>>(stream, cancellationToken: cancellationToken)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        List<(string Text, string Label)> Split(string name) => [.. splits[name].Select(pair => (pair[0], pair[1]))];
        var train = Split("train");
        var intents = train.Select(t => t.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var labelOf = intents.Select((name, index) => (name, index)).ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);

        var options = new IntentClassifierOptions();
        var watch = Stopwatch.StartNew();
        var classifier = IntentClassifier.Train([.. train.Select(t => t.Text)], [.. train.Select(t => labelOf[t.Label])], intents.Count, options);
        var trainSeconds = watch.Elapsed.TotalSeconds;

        // The same examples on the sentence vectors (the vectors the escalation heads read), then both together.
        var store = EvalEmbeddings.Store;
        store.Ensure(splits.Values.SelectMany(v => v.Select(p => p[0])), cancellationToken);
        watch.Restart();
        var head = EmbeddingIntentHead.Train([.. train.Select(t => store[t.Text])], [.. train.Select(t => labelOf[t.Label])], intents.Count,
            [.. Split("val").Select(t => store[t.Text])], [.. Split("val").Select(t => labelOf[t.Label])]);
        var headSeconds = watch.Elapsed.TotalSeconds;
        var stacked = new StackedIntentClassifier(classifier, head);

        var val = Score(stacked, store, Split("val"), labelOf);
        var oosVal = Score(stacked, store, Split("oos_val"), labelOf);
        var test = Score(stacked, store, Split("test"), labelOf);
        var oosTest = Score(stacked, store, Split("oos_test"), labelOf);
        var words = Score(classifier, Split("test"), labelOf);
        var vectors = Score(new StackedIntentClassifier(null, head), store, Split("test"), labelOf);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"vector head: {headSeconds:F1} s to train (temperature {head.Model.Temperature:F3}); test accuracy without a threshold: words {100 * InScopeAccuracy(words, 0):F1}, vectors {100 * InScopeAccuracy(vectors, 0):F1}, both {100 * InScopeAccuracy(test, 0):F1}"));

        // The threshold: the lowest one reaching the best accuracy of the 151-way decision (150 intents or
        // out-of-scope) on val + oos_val.
        var candidates = val.Select(p => p.Confidence).Concat(oosVal.Select(p => p.Confidence)).Append(0.0).Distinct().Order().ToList();
        var threshold = 0.0;
        var bestObjective = double.NegativeInfinity;
        foreach (var candidate in candidates)
        {
            var objective = (InScopeAccuracy(val, candidate) * val.Count) + (OutOfScopeRecall(oosVal, candidate) * oosVal.Count);
            if (objective > bestObjective + 1e-12)
            {
                bestObjective = objective;
                threshold = candidate;
            }
        }

        // The bot's criterion: a wrong answer (an in-scope one wrong, or any out-of-scope one answered) costs twice
        // what a right answer gains; saying "not sure" costs nothing. Also chosen on val + oos_val.
        var botThreshold = 0.0;
        var bestUtility = double.NegativeInfinity;
        foreach (var candidate in candidates)
        {
            var right = val.Count(p => p.Correct && p.Confidence >= candidate);
            var wrong = val.Count(p => !p.Correct && p.Confidence >= candidate) + oosVal.Count(p => p.Confidence >= candidate);
            if (right - (2.0 * wrong) > bestUtility + 1e-12)
            {
                bestUtility = right - (2.0 * wrong);
                botThreshold = candidate;
            }
        }

        var inScope = 100 * InScopeAccuracy(test, threshold);
        var outOfScope = 100 * OutOfScopeRecall(oosTest, threshold);
        var noThreshold = 100 * InScopeAccuracy(test, 0);
        var testCalibration = test.Select(p => (p.Confidence, p.Correct)).ToList();
        var ece = Calibration.ExpectedCalibrationError(testCalibration);

        var ci = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(ci, $"training: {train.Count} in-scope utterances, {intents.Count} intents, {classifier.FeatureCount} features, {trainSeconds:F1} s on {Environment.ProcessorCount} cores ({options.CalibrationFolds}-fold calibration included); temperature {classifier.Temperature:F3}"));
        output.WriteLine(string.Create(ci, $"threshold from val+oos_val (max accuracy of intent-or-out-of-scope): {threshold:F3} (val: {100 * InScopeAccuracy(val, threshold):F1} / {100 * OutOfScopeRecall(oosVal, threshold):F1})"));
        output.WriteLine();
        output.WriteLine("| system | in-scope accuracy | out-of-scope recall |");
        output.WriteLine("|---|---|---|");
        foreach (var (system, a, r) in Published)
        {
            output.WriteLine(string.Create(ci, $"| {system} (Larson et al. 2019, Table 2) | {a:F1} | {r:F1} |"));
        }
        output.WriteLine(string.Create(ci, $"| **HandoffBot** (this run) | **{inScope:F1}** | **{outOfScope:F1}** |"));
        const double botDefault = AssistantOptions.DefaultConfidenceThreshold;
        output.WriteLine(string.Create(ci, $"| HandoffBot at the bot's default threshold {botDefault:F2} | {100 * InScopeAccuracy(test, botDefault):F1} | {100 * OutOfScopeRecall(oosTest, botDefault):F1} |"));
        output.WriteLine();
        output.WriteLine(string.Create(ci, $"val + oos_val at the bot's default threshold {botDefault:F2}: {100 * InScopeAccuracy(val, botDefault):F1} / {100 * OutOfScopeRecall(oosVal, botDefault):F1}; threshold where a wrong answer (out-of-scope answered included) costs twice a right one: {botThreshold:F3} ({100 * InScopeAccuracy(val, botThreshold):F1} / {100 * OutOfScopeRecall(oosVal, botThreshold):F1})"));
        output.WriteLine();
        output.WriteLine(string.Create(ci, $"in-scope accuracy without a threshold: {noThreshold:F1}; expected calibration error on test (15 bins): {ece:F4}"));
        output.WriteLine("| confidence | n | mean confidence | accuracy |");
        output.WriteLine("|---|---|---|---|");
        foreach (var bin in Calibration.Reliability(testCalibration, 10))
        {
            output.WriteLine(string.Create(ci, $"| {bin.From:F1}-{bin.To:F1} | {bin.Count} | {bin.MeanConfidence:F3} | {bin.Accuracy:F3} |"));
        }

        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["inscope_accuracy"] = inScope,
            ["oos_recall"] = outOfScope,
            ["inscope_accuracy_no_threshold"] = noThreshold,
            ["ece"] = ece,
            ["threshold"] = threshold,
            ["cost_weighted_threshold"] = botThreshold,
            ["train_seconds"] = trainSeconds,
        };
    }

    private static List<(double Confidence, bool Correct)> Score(StackedIntentClassifier classifier, EmbeddingStore store, List<(string Text, string Label)> split, Dictionary<string, int> labelOf)
        => [.. split.Select(item =>
        {
            var prediction = classifier.Predict(item.Text, store[item.Text]);
            return (prediction.Probability, labelOf.TryGetValue(item.Label, out var label) && label == prediction.Label);
        })];

    private static List<(double Confidence, bool Correct)> Score(IntentClassifier classifier, List<(string Text, string Label)> split, Dictionary<string, int> labelOf)
        => [.. split.Select(item =>
        {
            var prediction = classifier.Predict(item.Text);
            return (prediction.Probability, labelOf.TryGetValue(item.Label, out var label) && label == prediction.Label);
        })];

    private static double InScopeAccuracy(List<(double Confidence, bool Correct)> inScope, double threshold)
        => inScope.Count(p => p.Correct && p.Confidence >= threshold) / (double)inScope.Count;

    private static double OutOfScopeRecall(List<(double Confidence, bool Correct)> outOfScope, double threshold)
        => outOfScope.Count(p => p.Confidence < threshold) / (double)outOfScope.Count;
}
