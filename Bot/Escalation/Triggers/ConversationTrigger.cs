using System.Globalization;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// Signals of the conversation rather than of the message, each a feature with its evidence: the customer repeating
/// or rephrasing an earlier message (content words mostly the same), "I already told you" and its kin, the assistant
/// having answered the same knowledge-base entry on the last two turns while the customer asks again, a third ask,
/// frustration that persists (the sentiment head negative on two of the last three turns), shouting (capitals), and
/// messages growing much longer. Strong signals fire alone; weak ones (one repeat, shouting, longer) add to a strong
/// one or to each other.
/// </summary>
internal sealed class ConversationTrigger : IEscalationTrigger
{
    /// <summary>Earlier customer turns compared with this one.</summary>
    public const int Window = 5;

    /// <summary>Share of content words two messages must have in common to count as the same question.</summary>
    public const double RepeatOverlap = 0.6;

    /// <summary>The sentiment head's P(negative) at which a past turn counts as frustrated.</summary>
    public const double FrustratedAt = 0.45;

    private const double FireAt = 0.7;

    private static readonly string[] AlreadySaid =
    [
        "already told you", "already said", "i told you", "as i said", "like i said", "i said that", "said this already",
        "told you already", "how many times", "i keep telling you", "i have already explained", "i've already explained",
        "again and again", "for the third time", "for the last time", "you're not listening", "you are not listening",
    ];

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "i", "me", "my", "you", "your", "is", "are", "do", "does", "to", "of", "and", "or", "in", "on",
        "for", "it", "can", "how", "what", "please", "be", "with", "this", "that", "am", "was", "we", "our", "at", "so",
        "just", "still", "again", "why", "where", "when", "not", "no", "ok", "hi", "hello",
    };

    public string Name => TriggerNames.Conversation;

    public ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Evaluate(turn));

    internal EscalationSignal? Evaluate(TurnSnapshot turn)
    {
        var evidence = new List<Evidence>();
        var reasons = new List<string>();
        var strong = 0.0;
        var weak = 0.0;
        var text = turn.Text;
        var lower = text.ToLowerInvariant();
        var past = turn.History.Turns;

        foreach (var phrase in AlreadySaid)
        {
            var at = lower.IndexOf(phrase, StringComparison.Ordinal);
            if (at >= 0)
            {
                evidence.Add(new Evidence(text.Substring(at, phrase.Length), at, "phrase"));
                reasons.Add($"says they already said it (\"{text.Substring(at, phrase.Length)}\")");
                strong = Math.Max(strong, 0.8);
                break;
            }
        }

        var words = ContentWords(lower);
        var repeats = 0;
        string? repeated = null;
        for (var i = past.Count - 1; i >= Math.Max(0, past.Count - Window); i--)
        {
            if (Overlap(words, ContentWords(past[i].Text.ToLowerInvariant())) >= RepeatOverlap)
            {
                repeats++;
                repeated ??= past[i].Text;
            }
        }
        if (repeated is not null)
        {
            evidence.Add(new Evidence(repeated, -1, "trend"));
            var sameAnswer = past.Count >= 2 && past[^1].AnswerEntry is { } entry && past[^2].AnswerEntry == entry;
            if (sameAnswer)
            {
                reasons.Add($"asks again after the assistant gave the same answer ({past[^1].AnswerEntry}) twice");
                strong = Math.Max(strong, 0.85);
            }
            else
            {
                // Asking once more is ordinary (a customer back after a handoff asks again); a third time is not.
                reasons.Add(repeats > 1 ? $"has asked this {repeats + 1} times" : "repeats an earlier message");
                if (repeats > 1)
                {
                    strong = Math.Max(strong, 0.8);
                }
                else
                {
                    weak += 0.4;
                }
            }
        }

        var frustrated = 0;
        var recent = 0;
        for (var i = past.Count - 1; i >= Math.Max(0, past.Count - 3); i--)
        {
            recent++;
            frustrated += past[i].Negative >= FrustratedAt ? 1 : 0;
        }
        if (frustrated >= 2 && (turn.Sentiment?.Compound ?? 0) < 0.3)
        {
            evidence.Add(new Evidence(string.Create(CultureInfo.InvariantCulture, $"frustrated on {frustrated} of the last {recent} turns"), -1, "trend"));
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"has been frustrated on {frustrated} of the last {recent} turns"));
            strong = Math.Max(strong, 0.75);
        }

        if (Shouting(text))
        {
            evidence.Add(new Evidence(text, 0, "sentence"));
            reasons.Add("is shouting (capitals)");
            weak += 0.4;
        }
        if (past.Count >= 2 && text.Length >= 120 && text.Length >= 2 * past.Skip(Math.Max(0, past.Count - 3)).Average(t => t.Text.Length))
        {
            reasons.Add("writes much longer messages than before");
            weak += 0.3;
        }

        if (reasons.Count == 0)
        {
            return null;
        }
        var score = Math.Min(1, Math.Max(strong, 0) + (strong > 0 ? weak / 2 : weak));
        var fired = score >= FireAt;
        var reason = $"The customer {string.Join(" and ", reasons)}.";
        return new EscalationSignal(Name, score, fired, fired ? reason : reason + " (not enough alone)", evidence);
    }

    private static HashSet<string> ContentWords(string lower)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in TokenizedTextWords(lower))
        {
            if (word.Length > 1 && !StopWords.Contains(word))
            {
                set.Add(word);
            }
        }
        return set;
    }

    private static IEnumerable<string> TokenizedTextWords(string lower) =>
        lower.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('.', ',', '!', '?', ';', ':', '"', '\'', '(', ')'));

    /// <summary>Shared content words over the smaller set (a rephrasing keeps the key words); 0 under three words.</summary>
    private static double Overlap(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count < 3 || b.Count < 3)
        {
            return 0;
        }
        var shared = a.Count(b.Contains);
        return (double)shared / Math.Min(a.Count, b.Count);
    }

    private static bool Shouting(string text)
    {
        var (letters, upper) = Models.EscalationFeatures.Letters(text);
        return letters >= 12 && upper >= 0.7 * letters;
    }
}
