namespace HandoffBot.Escalation.Models;

/// <summary>
/// What the heads see besides the sentence vector: VADER's scores (frozen encoders are weak at sentiment, so the
/// sentiment head is stacked on them), the rule triggers' scores (the rules as features) and the shape of the
/// message (length, exclamation marks, capitals, a question).
/// </summary>
internal static class EscalationFeatures
{
    public static readonly string[] Names =
    [
        "vader_positive", "vader_neutral", "vader_negative", "vader_compound",
        "rule_human", "rule_urgency", "rule_sentiment", "rule_fraud", "rule_billing_dispute", "rule_legal",
        "log_length", "exclamations", "uppercase", "question",
    ];

    /// <summary>The vector a head reads: <paramref name="embedding"/> then <paramref name="extras"/> in order.</summary>
    public static float[] Build(ReadOnlySpan<float> embedding, IReadOnlyList<string> extras, string text, SentimentResult? mood, IReadOnlyList<EscalationSignal>? rules)
    {
        var result = new float[embedding.Length + extras.Count];
        embedding.CopyTo(result);
        for (var i = 0; i < extras.Count; i++)
        {
            result[embedding.Length + i] = (float)Value(extras[i], text, mood, rules);
        }
        return result;
    }

    private static double Value(string name, string text, SentimentResult? mood, IReadOnlyList<EscalationSignal>? rules) => name switch
    {
        "vader_positive" => mood?.ConfidenceScores.Positive ?? 0,
        "vader_neutral" => mood?.ConfidenceScores.Neutral ?? 1,
        "vader_negative" => mood?.ConfidenceScores.Negative ?? 0,
        "vader_compound" => mood?.Compound ?? 0,
        "rule_human" => Rule(rules, TriggerNames.HumanRequest, null),
        "rule_urgency" => Rule(rules, TriggerNames.Urgency, null),
        "rule_sentiment" => Rule(rules, TriggerNames.Sentiment, null),
        "rule_fraud" => Rule(rules, TriggerNames.Category, "fraud"),
        "rule_billing_dispute" => Rule(rules, TriggerNames.Category, "billing_dispute"),
        "rule_legal" => Rule(rules, TriggerNames.Category, "legal"),
        "log_length" => Math.Log(1 + text.Length),
        "exclamations" => Math.Min(3, text.Count(c => c == '!')),
        "uppercase" => Uppercase(text),
        "question" => text.Contains('?', StringComparison.Ordinal) ? 1 : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown feature"),
    };

    private static double Rule(IReadOnlyList<EscalationSignal>? rules, string trigger, string? category)
    {
        if (rules is null)
        {
            return 0;
        }
        foreach (var signal in rules)
        {
            if (signal.Trigger == trigger && (category is null || (signal.Fired && signal.Category == category)))
            {
                return signal.Fired ? signal.Score : signal.Score / 2;
            }
        }
        return 0;
    }

    /// <summary>Share of letters in capitals, counted only when the message has at least six letters.</summary>
    private static double Uppercase(string text)
    {
        var (letters, upper) = Letters(text);
        return letters < 6 ? 0 : (double)upper / letters;
    }

    /// <summary>Letters in the text and how many of them are capitals (also the Conversation trigger's shouting).</summary>
    internal static (int Letters, int Upper) Letters(string text)
    {
        int letters = 0, upper = 0;
        foreach (var c in text)
        {
            if (char.IsLetter(c))
            {
                letters++;
                upper += char.IsUpper(c) ? 1 : 0;
            }
        }
        return (letters, upper);
    }
}
