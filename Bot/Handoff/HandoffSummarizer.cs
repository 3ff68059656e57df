using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace HandoffBot.Handoff;

/// <summary>What a summary is made from: the customer's own words, what the bot answered, and why it escalated.</summary>
public sealed record SummaryInput(IReadOnlyList<PacketLine> Conversation, string Reason, string Category, string OpenQuestion);

public sealed record HandoffSummary(string Text, string Source);

/// <summary>Summarises the customer's issue for the agent.</summary>
public interface IHandoffSummarizer
{
    Task<HandoffSummary> SummarizeAsync(SummaryInput input, CancellationToken cancellationToken);
}

/// <summary>
/// The default: picks the customer's most informative sentences (content words shared with the rest of the
/// conversation, problem words, numbers) in their original order, so the agent reads the customer's own words.
/// </summary>
public sealed partial class ExtractiveSummarizer : IHandoffSummarizer
{
    public const string SourceName = "extractive";
    private const int MaxSentences = 3;
    private const int MaxLength = 480;

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "for", "from", "have", "i", "i'm", "in", "is",
        "it", "it's", "me", "my", "no", "not", "of", "on", "or", "please", "so", "that", "the", "this", "to", "was", "we", "with",
        "you", "your", "want", "would", "just", "hi", "hello", "thanks", "get", "talk", "person", "human", "agent", "someone", "let",
    };

    private static readonly HashSet<string> ProblemWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "charged", "twice", "refund", "broken", "missing", "late", "never", "wrong", "cancel", "fraud", "stolen", "dispute",
        "damaged", "lost", "error", "failed", "declined", "double", "overcharged", "still", "again", "urgent",
    };

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceBreak();

    [GeneratedRegex(@"[\p{L}\p{N}']+")]
    private static partial Regex Word();

    public Task<HandoffSummary> SummarizeAsync(SummaryInput input, CancellationToken cancellationToken) =>
        Task.FromResult(new HandoffSummary(Summarize(input), SourceName));

    public static string Summarize(SummaryInput input)
    {
        var sentences = input.Conversation
            .Where(l => l.Who == PacketLines.Customer)
            .SelectMany(l => SentenceBreak().Split(l.Text))
            .Select(s => s.Trim())
            .Where(s => s.Length > 0)
            .ToList();
        var frequency = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var word in sentences.SelectMany(ContentWords))
        {
            frequency[word] = frequency.GetValueOrDefault(word) + 1;
        }
        var chosen = sentences
            .Select((sentence, index) => (sentence, index, score: Score(sentence, frequency)))
            .Where(x => x.score > 0)
            .OrderByDescending(x => x.score)
            .ThenBy(x => x.index)
            .Take(MaxSentences)
            .OrderBy(x => x.index)
            .Select(x => x.sentence)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        var summary = chosen.Count == 0
            ? $"The customer asked for help: \"{input.OpenQuestion}\"."
            : "Customer: \"" + string.Join(" ", chosen) + "\"";
        summary += $" Escalated: {input.Reason}";
        return summary.Length <= MaxLength ? summary : summary[..(MaxLength - 1)] + "…";
    }

    private static IEnumerable<string> ContentWords(string sentence) =>
        Word().Matches(sentence).Select(m => m.Value).Where(w => w.Length > 2 && !StopWords.Contains(w));

    private static double Score(string sentence, Dictionary<string, int> frequency)
    {
        var words = ContentWords(sentence).ToList();
        if (words.Count == 0)
        {
            return 0;
        }
        var score = words.Sum(w => frequency.GetValueOrDefault(w)) / Math.Sqrt(words.Count);
        score += words.Count(ProblemWords.Contains) * 2;
        score += words.Count(w => w.Any(char.IsAsciiDigit));
        return score;
    }
}

/// <summary>
/// Summaries from a language model through <see cref="IChatClient"/> when one is registered; the extractive summary
/// is used whenever the model fails or answers nothing.
/// </summary>
public sealed partial class ChatClientSummarizer(IChatClient client, ILogger<ChatClientSummarizer> logger) : IHandoffSummarizer
{
    public const string SourceName = "llm";

    public async Task<HandoffSummary> SummarizeAsync(SummaryInput input, CancellationToken cancellationToken)
    {
        var transcript = string.Join("\n", input.Conversation.Select(l => $"{l.Who}: {l.Text}"));
        List<ChatMessage> messages =
        [
            new(ChatRole.System, "You summarise customer-service conversations for the human agent taking over. " +
                "Write at most three sentences: the customer's problem, what was already tried, what they want now. " +
                "Never include card numbers or other identifiers."),
            new(ChatRole.User, $"Escalation reason: {input.Reason}\nCategory: {input.Category}\nConversation:\n{transcript}"),
        ];
        try
        {
            var response = await client.GetResponseAsync(messages, new ChatOptions { Temperature = 0.2f, MaxOutputTokens = 200 }, cancellationToken);
            if (response.Text is { Length: > 0 } text && !string.IsNullOrWhiteSpace(text))
            {
                return new HandoffSummary(SensitiveDataMasker.Mask(text.Trim()), SourceName);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSummaryFailed(logger, exception);
        }
        return new HandoffSummary(ExtractiveSummarizer.Summarize(input), ExtractiveSummarizer.SourceName);
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning, Message = "The language model could not summarise a handoff; using the extractive summary")]
    private static partial void LogSummaryFailed(ILogger logger, Exception exception);
}

/// <summary>Who said a line, as the packet and card show it.</summary>
public static class PacketLines
{
    public const string Customer = "customer";
    public const string Bot = "bot";
    public const string Agent = "agent";
}
