namespace HandoffBot.Escalation;

/// <summary>Confidence scores as Azure AI Language reports them: each in [0,1], summing to about 1.</summary>
public sealed record SentimentScores(double Positive, double Neutral, double Negative);

/// <summary>One sentence's sentiment with its UTF-16 offset and length in the document.</summary>
public sealed record SentenceSentiment(string Text, string Sentiment, SentimentScores ConfidenceScores, int Offset, int Length);

/// <summary>
/// A document's sentiment in Azure AI Language's shape: label <c>positive</c> / <c>neutral</c> / <c>negative</c> /
/// <c>mixed</c>, confidence scores, per-sentence results. <see cref="Compound"/> is VADER's normalised score in [-1,1]
/// (derived from the scores when the analyzer has none). <see cref="Source"/> names the analyzer that produced it.
/// </summary>
public sealed record SentimentResult(
    string Sentiment,
    SentimentScores ConfidenceScores,
    IReadOnlyList<SentenceSentiment> Sentences,
    double Compound,
    string Source);

public static class SentimentLabels
{
    public const string Positive = "positive";
    public const string Neutral = "neutral";
    public const string Negative = "negative";
    public const string Mixed = "mixed";
}

/// <summary>Sentiment of customer messages. The local analyzer never fails; remote ones fall back to it.</summary>
public interface ISentimentAnalyzer
{
    string Name { get; }

    ValueTask<SentimentResult> AnalyzeAsync(string text, string? language, CancellationToken cancellationToken);

    /// <summary>Analyzes several documents, in order (remote analyzers batch them).</summary>
    ValueTask<IReadOnlyList<SentimentResult>> AnalyzeBatchAsync(IReadOnlyList<string> texts, string? language, CancellationToken cancellationToken);
}
