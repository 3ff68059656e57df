using System.Text.RegularExpressions;
using HandoffBot.Assistant;
using HandoffBot.Resources;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>What a summary is made from: the customer's own words, what the bot answered, and why it escalated.</summary>
public sealed record SummaryInput(IReadOnlyList<PacketLine> Conversation, string Reason, string Category, string OpenQuestion)
{
    /// <summary>What the assistant answered (and whether it was sure), when known: the "what was tried" sentence.</summary>
    public IReadOnlyList<PacketAssistantAnswer>? Tried { get; init; }
}

public sealed record HandoffSummary(string Text, string Source);

/// <summary>Summarises the customer's issue for the agent.</summary>
public interface IHandoffSummarizer
{
    Task<HandoffSummary> SummarizeAsync(SummaryInput input, CancellationToken cancellationToken);
}

/// <summary>
/// The default, local summary in at most three sentences: the issue (the customer's most informative sentence, ranked
/// by content words shared with the rest of the conversation, problem words, numbers and how surely the assistant's
/// classifier places it in a knowledge-base topic), what was tried (the assistant's answer), and what the customer
/// wants next (their latest request). Greetings and small talk never count. In the agents' language
/// (<c>Handoff:Hub:Locale</c>), the customer's words quoted as they wrote them.
/// </summary>
public sealed partial class ExtractiveSummarizer(ICopy copy, IOptions<HandoffOptions> options, IAnswerEngine? engine = null) : IHandoffSummarizer
{
    public const string SourceName = "extractive";
    private const int MaxQuote = 200;
    private const int MaxLength = 640;

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "for", "from", "have", "i", "i'm", "in", "is",
        "it", "it's", "me", "my", "no", "not", "of", "on", "or", "please", "so", "that", "the", "this", "to", "was", "we", "with",
        "you", "your", "want", "would", "just", "get", "talk", "person", "human", "agent", "someone", "let", "now", "there",
        "ich", "und", "die", "der", "das", "ist", "mit", "sie", "mir", "mein", "meine", "nicht", "bitte", "ein", "eine",
    };

    /// <summary>Greetings, thanks and small talk: a sentence made only of these says nothing about the issue.</summary>
    private static readonly HashSet<string> SmallTalk = new(StringComparer.OrdinalIgnoreCase)
    {
        "hi", "hello", "hey", "hiya", "there", "morning", "good", "afternoon", "evening", "thanks", "thank", "cheers", "hope", "you're",
        "well", "quick", "question", "team", "btw", "lovely", "day", "great", "okay", "guten", "tag", "hallo", "zusammen", "morgen", "danke",
        "moin", "servus", "grüß", "gott", "help", "need", "please", "can", "someone", "talk", "speak", "real", "live", "anyone", "support",
    };

    private static readonly HashSet<string> ProblemWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "charged", "twice", "refund", "broken", "missing", "late", "never", "wrong", "cancel", "fraud", "stolen", "dispute",
        "damaged", "lost", "error", "failed", "declined", "double", "overcharged", "still", "again", "urgent", "locked", "hacked",
        "torn", "empty", "leaks", "stuck", "zweimal", "abgebucht", "kaputt", "falsche", "gesperrt", "keine", "verloren",
    };

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceBreak();

    [GeneratedRegex(@"[\p{L}\p{N}']+")]
    private static partial Regex Word();

    /// <summary>What a request sounds like ("I want", "please send", "can you", "ich möchte", "bitte").</summary>
    [GeneratedRegex(@"\b(want|need|would like|'d like|please|pls|can you|could you|can someone|can i|send|give|make|stop|restore|unlock|lock|block|redirect|find|check|chase|refund me|sorted|reversed|what now|what can you do|what do i do|tell me|möchte|will|bitte|können sie|schicken|sperren|stornieren|prüfen|was jetzt|verlange)\b", RegexOptions.IgnoreCase)]
    private static partial Regex AskCue();

    public Task<HandoffSummary> SummarizeAsync(SummaryInput input, CancellationToken cancellationToken) =>
        Task.FromResult(new HandoffSummary(Summarize(input), SourceName));

    public string Summarize(SummaryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var locale = options.Value.Hub.Locale;
        var sentences = input.Conversation
            .Where(l => l.Who == PacketLines.Customer)
            .SelectMany(l => SentenceBreak().Split(l.Text))
            .Select(s => s.Trim())
            .Where(s => s.Length > 0 && ContentWords(s).Any(w => !SmallTalk.Contains(w)))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (sentences.Count == 0)
        {
            return Cap(copy.Get(locale, "summary.asked", ("question", Quote(input.OpenQuestion))));
        }
        var ask = sentences.FindLastIndex(s => AskCue().IsMatch(s));
        var frequency = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var word in sentences.SelectMany(ContentWords))
        {
            frequency[word] = frequency.GetValueOrDefault(word) + 1;
        }
        var issue = sentences
            .Select((sentence, index) => (sentence, index, score: Score(sentence, frequency)))
            .Where(x => x.index != ask || sentences.Count == 1)
            .OrderByDescending(x => x.score)
            .ThenBy(x => x.index)
            .First();
        var parts = new List<string> { copy.Get(locale, "summary.issue", ("issue", Sentence(issue.sentence))) };
        parts.Add(input.Tried?.LastOrDefault(t => t.Answered && t.Answer is { Length: > 0 }) is { } tried
            ? copy.Get(locale, "summary.tried", ("answer", Quote(FirstSentence(tried.Answer!))))
            : copy.Get(locale, "summary.triedNothing"));
        parts.Add(ask >= 0 && ask != issue.index
            ? copy.Get(locale, "summary.wants", ("ask", Sentence(sentences[ask])))
            : copy.Get(locale, "summary.wantsPerson", ("reason", input.Reason.TrimEnd('.'))));
        return Cap(string.Join(" ", parts));
    }

    private static string Cap(string summary) => summary.Length <= MaxLength ? summary : summary[..(MaxLength - 1)] + "…";

    private static string Quote(string text) => text.Length <= MaxQuote ? text : text[..(MaxQuote - 1)] + "…";

    private static string Sentence(string text)
    {
        var quoted = Quote(text);
        return quoted.EndsWith('.') || quoted.EndsWith('!') || quoted.EndsWith('?') || quoted.EndsWith('…') ? quoted : quoted + ".";
    }

    private static string FirstSentence(string text) => SentenceBreak().Split(text.Trim())[0];

    private static IEnumerable<string> ContentWords(string sentence) =>
        Word().Matches(sentence).Select(m => m.Value).Where(w => w.Length > 2 && !StopWords.Contains(w));

    private double Score(string sentence, Dictionary<string, int> frequency)
    {
        var words = ContentWords(sentence).ToList();
        if (words.Count == 0)
        {
            return 0;
        }
        var score = words.Sum(w => frequency.GetValueOrDefault(w)) / Math.Sqrt(words.Count);
        score += words.Count(ProblemWords.Contains) * 2;
        score += words.Count(w => w.Any(char.IsAsciiDigit));
        if (engine is not null)
        {
            score += 2 * engine.Answer(sentence).Confidence; // how surely it is about something the shop handles
        }
        return score;
    }
}

/// <summary>
/// Summaries from a language model through <see cref="IChatClient"/> when one is registered; the extractive summary
/// is used whenever the model fails or answers nothing.
/// </summary>
public sealed partial class ChatClientSummarizer(IChatClient client, ExtractiveSummarizer fallback, ILogger<ChatClientSummarizer> logger) : IHandoffSummarizer
{
    public const string SourceName = "llm";

    public async Task<HandoffSummary> SummarizeAsync(SummaryInput input, CancellationToken cancellationToken)
    {
        var transcript = string.Join("\n", input.Conversation.Select(l => $"{l.Who}: {l.Text}"));
        List<ChatMessage> messages =
        [
            new(ChatRole.System, "You summarise customer-service conversations for the human agent taking over. " +
                "Write at most three sentences: the customer's problem, what was already tried, what they want now. " +
                "Leave out greetings and small talk. Never include card numbers or other identifiers."),
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
        return new HandoffSummary(fallback.Summarize(input), ExtractiveSummarizer.SourceName);
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
