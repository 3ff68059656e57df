using System.Globalization;

namespace HandoffBot.Escalation.Models;

/// <summary>The heads' calibrated probabilities for one message.</summary>
/// <param name="Category">The category the head picks (<c>none</c> when no category passes its threshold).</param>
public sealed record ModelScores(double Human, double Urgent, double Negative, double Positive, string Category, double CategoryProbability);

/// <summary>
/// The trained heads (<see cref="EscalationHeadFile"/>) applied to a turn. The decision comes from the heads; the
/// rule triggers' signals are features of the heads and, when they agree, the evidence shown ("why"). Each rule
/// signal for a signal the heads cover is replaced by the head's signal with the same trigger name, so
/// everything downstream (suppression, the packet, the audit, the <c>analyze</c> command) is unchanged.
/// Only the sentiment trend (negative turns in a row, a sharp drop) stays a rule: the heads read one message.
/// </summary>
public sealed class EscalationModel
{
    private readonly EscalationHeadFile _file;
    private readonly EscalationHead _human;
    private readonly EscalationHead _urgent;
    private readonly EscalationHead _sentiment;
    private readonly EscalationHead _category;

    internal EscalationModel(EscalationHeadFile file)
    {
        _file = file;
        _human = file.Heads[EscalationHeadFile.Human];
        _urgent = file.Heads[EscalationHeadFile.Urgent];
        _sentiment = file.Heads[EscalationHeadFile.Sentiment];
        _category = file.Heads[EscalationHeadFile.Category];
    }

    public static EscalationModel Load(string path) => new(EscalationHeadFile.Load(path));

    public int Dimensions => _file.Dimensions;

    internal EscalationHeadFile File => _file;

    /// <summary>The heads' probabilities for a message's vector, its sentiment and the rule signals.</summary>
    public ModelScores Score(ReadOnlySpan<float> embedding, string text, SentimentResult? mood, IReadOnlyList<EscalationSignal>? rules)
    {
        var features = EscalationFeatures.Build(embedding, _file.Extras, text, mood, rules);
        Span<float> buffer = stackalloc float[8];
        var human = Probability(_human, features, "yes", buffer);
        var urgent = Probability(_urgent, features, "yes", buffer);
        var negative = Probability(_sentiment, features, "negative", buffer);
        var positive = buffer[_sentiment.IndexOf("positive")];
        var probabilities = buffer[.._category.Classes.Length];
        _category.Model.Probabilities(features, probabilities);
        var best = EscalationDecision.NoCategory;
        var bestP = 0.0;
        for (var c = 0; c < _category.Classes.Length; c++)
        {
            var name = _category.Classes[c];
            if (_category.Thresholds.TryGetValue(name, out var threshold) && probabilities[c] >= threshold && probabilities[c] > bestP)
            {
                best = name;
                bestP = probabilities[c];
            }
        }
        return new ModelScores(human, urgent, negative, positive, best, best == EscalationDecision.NoCategory ? 1 - probabilities.ToArray().Skip(1).Max() : bestP);
    }

    /// <summary>The rule signals with those the heads cover replaced by the heads' signals.</summary>
    /// <param name="enabled">Whether a trigger is switched on: a switched-off trigger gets no signal from the heads either.</param>
    public List<EscalationSignal> Apply(ModelScores scores, string text, IReadOnlyList<EscalationSignal> rules, Func<string, bool> enabled)
    {
        ArgumentNullException.ThrowIfNull(enabled);
        var result = new List<EscalationSignal>(rules.Count + 4);
        EscalationSignal? human = null, urgency = null, sentiment = null, category = null;
        foreach (var rule in rules)
        {
            switch (rule.Trigger)
            {
                case TriggerNames.HumanRequest: human = rule; break;
                case TriggerNames.Urgency: urgency = rule; break;
                case TriggerNames.Sentiment: sentiment = rule; break;
                case TriggerNames.Category: category = rule; break;
                default: result.Add(rule); break;
            }
        }
        if (enabled(TriggerNames.HumanRequest))
        {
            var request = Binary(TriggerNames.HumanRequest, scores.Human, _human.Thresholds["yes"], human, text, "Asks for a person");
            if (!request.Fired && human is { Fired: true } rule && (WordCount(text) <= ShortMessageWords || rule.Score >= ExplicitRequestScore))
            {
                // "agent pls", "operator", "representitive": in a message this short the rule's words are all the
                // evidence there is, and the heads, trained on sentences, under-read them. And a contact verb with a
                // person noun ("..., let me talk to a person") is a request however much else the message says: the
                // heads diluted it in longer messages (tests show both cases).
                request = rule with { Evidence = [.. rule.Evidence, ScoreEvidence(scores.Human)] };
            }
            result.Add(request);
        }
        if (enabled(TriggerNames.Urgency))
        {
            result.Add(Binary(TriggerNames.Urgency, scores.Urgent, _urgent.Thresholds["yes"], urgency, text, "Urgent"));
        }
        if (enabled(TriggerNames.Sentiment))
        {
            result.Add(Mood(scores, sentiment, text));
        }
        if (enabled(TriggerNames.Category))
        {
            result.Add(Category(scores, category, text));
        }
        return result;
    }

    /// <summary>Messages of at most this many words keep a fired human-request rule (see <see cref="Apply"/>).</summary>
    public const int ShortMessageWords = 3;

    /// <summary>A fired human-request rule at least this sure (a contact verb with a person noun) is kept whatever the heads say.</summary>
    public const double ExplicitRequestScore = 0.85;

    private static int WordCount(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    private EscalationSignal Mood(ModelScores scores, EscalationSignal? sentiment, string text)
    {
        var mood = Binary(TriggerNames.Sentiment, scores.Negative, _sentiment.Thresholds["negative"], sentiment, text, "Negative or frustrated");
        if (!mood.Fired && sentiment is { Fired: true } trend && trend.Evidence.Any(e => e.Kind == "trend"))
        {
            // The heads read one message; a trend over turns is the rule's.
            mood = trend with { Evidence = [.. trend.Evidence, ScoreEvidence(scores.Negative)] };
        }
        return mood;
    }

    private static float Probability(EscalationHead head, float[] features, string positive, Span<float> buffer)
    {
        var probabilities = buffer[..head.Classes.Length];
        head.Model.Probabilities(features, probabilities);
        return probabilities[head.IndexOf(positive)];
    }

    private static EscalationSignal Binary(string trigger, double p, double threshold, EscalationSignal? rule, string text, string what)
    {
        var fired = p >= threshold;
        var evidence = new List<Evidence>();
        if (rule is not null && rule.Evidence.Count > 0 && (rule.Fired || fired))
        {
            evidence.AddRange(rule.Evidence);
        }
        evidence.Add(ScoreEvidence(p));
        string reason;
        if (fired)
        {
            reason = rule is { Fired: true }
                ? $"{rule.Reason} (model {F(p)})"
                : $"{what} (model {F(p)}, threshold {F(threshold)}; no rule phrase).";
        }
        else
        {
            reason = rule is { Fired: true }
                ? $"A rule matched (\"{First(rule, text)}\") but the model reads no such signal ({F(p)} < {F(threshold)})."
                : $"{what}: model {F(p)} < {F(threshold)}.";
        }
        return new EscalationSignal(trigger, p, fired, reason, evidence);
    }

    private EscalationSignal Category(ModelScores scores, EscalationSignal? rule, string text)
    {
        if (rule is { Fired: true, Category: { } configured } && _category.IndexOf(configured) < 0)
        {
            // A category configured for this bot that the heads were never trained on: its phrases decide.
            return rule;
        }
        var evidence = new List<Evidence>();
        if (rule is { Fired: true } && rule.Category == scores.Category)
        {
            evidence.AddRange(rule.Evidence);
        }
        evidence.Add(ScoreEvidence(scores.CategoryProbability));
        if (scores.Category == EscalationDecision.NoCategory)
        {
            var why = rule is { Fired: true }
                ? $"A rule matched {rule.Category} (\"{First(rule, text)}\") but the model reads no category (none {F(scores.CategoryProbability)})."
                : $"No category (model: none {F(scores.CategoryProbability)}).";
            return new EscalationSignal(TriggerNames.Category, 1 - scores.CategoryProbability, false, why, evidence);
        }
        var reason = rule is { Fired: true } && rule.Category == scores.Category
            ? $"{rule.Reason} (model {F(scores.CategoryProbability)})"
            : $"Looks like {scores.Category} (model {F(scores.CategoryProbability)}, threshold {F(_category.Thresholds[scores.Category])}).";
        return new EscalationSignal(TriggerNames.Category, scores.CategoryProbability, true, reason, evidence, scores.Category);
    }

    private static Evidence ScoreEvidence(double p) => new($"model {F(p)}", -1, "score");

    private static string First(EscalationSignal rule, string text) => rule.Evidence.Count > 0 ? rule.Evidence[0].Text : text;

    private static string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
