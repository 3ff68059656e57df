using HandoffBot.Assistant;
using HandoffBot.Escalation;
using HandoffBot.Protocol;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>What the packet is built from, gathered by the coordinator during the customer's turn.</summary>
public sealed record PacketSources(
    string HandoffId,
    Activity Trigger,
    EscalationDecision Decision,
    EscalationHistory History,
    AssistantState Assistant,
    IReadOnlyList<Activity> Transcript,
    DateTimeOffset Now);

/// <summary>Builds the typed, masked <see cref="HandoffPacket"/> an agent receives.</summary>
public sealed class HandoffPacketBuilder(ICustomerProfileStore profiles, IHandoffSummarizer summarizer, IOptions<HandoffOptions> options)
{
    public async Task<HandoffPacket> BuildAsync(PacketSources sources, CancellationToken cancellationToken)
    {
        var trigger = sources.Trigger;
        var decision = sources.Decision;
        var lines = Lines(sources.Transcript);
        if (!lines.Any(l => l.Who == PacketLines.Customer && l.Text == SensitiveDataMasker.Mask(trigger.Text)) && !string.IsNullOrWhiteSpace(trigger.Text))
        {
            lines.Add(new PacketLine(trigger.Timestamp ?? sources.Now, PacketLines.Customer, SensitiveDataMasker.Mask(trigger.Text)));
        }
        var profile = trigger.From?.Id is { } userId ? await profiles.FindAsync(trigger.ChannelId!, userId, cancellationToken) : null;
        var openQuestion = SensitiveDataMasker.Mask(OpenQuestion(sources));
        var summary = await summarizer.SummarizeAsync(new SummaryInput(lines, decision.Reason, decision.Category, openQuestion), cancellationToken);
        var playbooks = options.Value.Playbooks;
        var steps = playbooks.TryGetValue(decision.Category, out var forCategory) ? forCategory
            : playbooks.TryGetValue("default", out var fallback) ? fallback : [];

        return new HandoffPacket(
            sources.HandoffId,
            SensitiveDataMasker.Mask(decision.Reason),
            decision.Category,
            decision.Priority.ToString(),
            decision.Queue,
            decision.Skill,
            [.. decision.Signals.Select(s => new PacketTrigger(s.Trigger, Math.Round(s.Score, 3), s.Fired, SensitiveDataMasker.Mask(s.Reason),
                [.. s.Evidence.Select(e => SensitiveDataMasker.Mask(e.Text))], s.Category))],
            [.. sources.Assistant.Turns.Select(t => new PacketConfidence(t.At, Math.Round(t.Confidence, 3), t.Answered))],
            [.. sources.History.Turns.Select(t => new PacketSentiment(t.At, t.SentimentLabel, Math.Round(t.Compound, 3)))],
            AssistantTried(sources.Assistant, lines),
            openQuestion,
            summary.Text,
            summary.Source,
            steps,
            profile,
            trigger.ChannelId!,
            trigger.Locale ?? profile?.Language,
            sources.Now,
            [.. lines.Where(l => l.Who == PacketLines.Customer).TakeLast(options.Value.CardMessages)],
            trigger.Conversation!.Id!);
    }

    /// <summary>The conversation as lines, identifiers masked; the bot's own prompts and events left out.</summary>
    public static List<PacketLine> Lines(IReadOnlyList<Activity> transcript) =>
        [.. transcript
            .Where(a => a.IsType(ActivityTypes.Message) && !string.IsNullOrWhiteSpace(a.Text))
            .Select(a => new PacketLine(a.Timestamp, a.From?.Role == RoleTypes.User ? PacketLines.Customer : PacketLines.Bot, SensitiveDataMasker.Mask(a.Text!.Trim())))];

    private static string OpenQuestion(PacketSources sources)
    {
        var current = sources.Trigger.TrimmedText();
        var askedForHuman = sources.Decision.Fired.Any(s => s.Trigger.Contains("human", StringComparison.OrdinalIgnoreCase));
        if (!askedForHuman && current.Length > 0)
        {
            return current;
        }
        var unanswered = sources.Assistant.Turns.LastOrDefault(t => !t.Answered && !string.Equals(t.Question, current, StringComparison.Ordinal));
        return unanswered?.Question ?? sources.Assistant.Turns.LastOrDefault(t => !string.Equals(t.Question, current, StringComparison.Ordinal))?.Question ?? current;
    }

    private static List<PacketAssistantAnswer> AssistantTried(AssistantState assistant, List<PacketLine> lines)
    {
        var tried = new List<PacketAssistantAnswer>();
        foreach (var turn in assistant.Turns)
        {
            var question = SensitiveDataMasker.Mask(turn.Question);
            var index = lines.FindIndex(l => l.Who == PacketLines.Customer && l.Text == question);
            var answer = index >= 0 && index + 1 < lines.Count && lines[index + 1].Who == PacketLines.Bot ? lines[index + 1].Text : null;
            tried.Add(new PacketAssistantAnswer(question, answer, Math.Round(turn.Confidence, 3), turn.Answered));
        }
        return tried;
    }
}
