using HandoffBot.Assistant;
using HandoffBot.Escalation;
using HandoffBot.Protocol;
using HandoffBot.Storage;
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

/// <summary>
/// Builds the typed, masked <see cref="HandoffPacket"/> an agent receives. In the customer's turn the summary is the
/// extractive one (no I/O); when a language model is configured, <see cref="RefineSummaryAsync"/> replaces it after the
/// turn's commit, before the hub is told.
/// </summary>
public sealed class HandoffPacketBuilder(
    ICustomerProfileStore profiles,
    ExtractiveSummarizer extractive,
    IHandoffSummarizer summarizer,
    ITranscriptStore transcripts,
    IHandoffStore store,
    IOptions<HandoffOptions> options,
    TimeProvider time)
{
    /// <summary>How long the model may take before the handoff is announced with the extractive summary.</summary>
    public static readonly TimeSpan SummaryTimeout = TimeSpan.FromSeconds(10);

    /// <summary>True when a summariser other than the extractive one (a language model) rewrites the summary after the commit.</summary>
    public bool RefinesSummary => summarizer is not ExtractiveSummarizer;

    /// <summary>
    /// Off the turn: the configured summariser (a language model) writes the summary from the committed transcript, and
    /// the stored packet is patched; with only the extractive summariser nothing changes. Returns the handoff as stored.
    /// </summary>
    public async Task<HandoffRecord> RefineSummaryAsync(HandoffRecord handoff, CancellationToken cancellationToken)
    {
        if (!RefinesSummary || handoff.Packet is not { } packet)
        {
            return handoff;
        }
        using var timeout = new CancellationTokenSource(SummaryTimeout, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var lines = Lines(await transcripts.ReadAsync(handoff.Customer.ChannelId!, handoff.Customer.Conversation!.Id!, cancellationToken));
        HandoffSummary summary;
        try
        {
            summary = await summarizer.SummarizeAsync(new SummaryInput(lines, packet.Reason, packet.Category, packet.OpenQuestion) { Tried = packet.AssistantTried }, bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return handoff; // too slow: the extractive summary stays
        }
        if (summary.Source == packet.SummarySource)
        {
            return handoff;
        }
        return await store.UpdateAsync(handoff.Id, h => h with { Packet = h.Packet! with { Summary = summary.Text, SummarySource = summary.Source } }, cancellationToken) ?? handoff;
    }

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
        var tried = AssistantTried(sources.Assistant, lines);
        var summary = await extractive.SummarizeAsync(new SummaryInput(lines, decision.Reason, decision.Category, openQuestion) { Tried = tried }, cancellationToken);
        var playbooks = options.Value.Playbooks;
        var steps = playbooks.TryGetValue(decision.Category, out var forCategory) ? forCategory
            : playbooks.TryGetValue("default", out var fallback) ? fallback : [];

        return new HandoffPacket(
            sources.HandoffId,
            SensitiveDataMasker.Mask(decision.Reason),
            decision.Category,
            decision.Priority,
            decision.Queue,
            decision.Skill,
            [.. decision.Signals.Select(s => new PacketTrigger(s.Trigger, Math.Round(s.Score, 3), s.Fired, SensitiveDataMasker.Mask(s.Reason),
                [.. s.Evidence.Select(e => SensitiveDataMasker.Mask(e.Text))], s.Category))],
            [.. sources.Assistant.Turns.Select(t => new PacketConfidence(t.At, Math.Round(t.Confidence, 3), t.Answered))],
            [.. sources.History.Turns.Select(t => new PacketSentiment(t.At, t.SentimentLabel, Math.Round(t.Compound, 3)))],
            tried,
            openQuestion,
            summary.Text,
            summary.Source,
            steps,
            profile,
            trigger.ChannelId!,
            decision.Language ?? trigger.Locale ?? profile?.Language,
            sources.Now,
            [.. lines.Where(l => l.Who == PacketLines.Customer).TakeLast(options.Value.CardMessages)],
            trigger.Conversation!.Id!) { Detection = decision.Detection };
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
