using System.ComponentModel.DataAnnotations;
using HandoffBot.Assistant;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using Microsoft.Extensions.Options;

namespace HandoffBot.Copilot;

/// <summary>The co-pilot's settings (section <c>Copilot</c>).</summary>
public sealed class CopilotOptions
{
    public const string Section = "Copilot";

    /// <summary>Suggestions shown to the agent at once.</summary>
    [Range(1, 3)]
    public int MaxSuggestions { get; set; } = 3;

    /// <summary>The folder with <c>playbooks.{language}.json</c>; relative paths are under the application folder.</summary>
    [Required]
    public string PlaybooksFolder { get; set; } = "Knowledge";
}

/// <summary>What the agent did with a suggestion: the audit actions the supervisor's analytics count.</summary>
public static class CopilotActions
{
    public const string Used = "copilot.used";
    public const string Dismissed = "copilot.dismissed";

    public static bool IsCopilot(string action) => action.StartsWith("copilot.", StringComparison.Ordinal);

    /// <summary>The audit action for the console's <c>used</c> / <c>dismissed</c>, or null.</summary>
    public static string? Of(string? what) => what switch
    {
        "used" => Used,
        "dismissed" => Dismissed,
        _ => null,
    };
}

/// <summary>
/// The co-pilot for one handoff: reads what was said (the conversation before the handoff, masked, then the
/// handoff's messages; notes are left out) and asks <see cref="ICopilot"/> (local retrieval, or the language model)
/// for the agent's next message. Also tells a known source from an invented one, for the feedback API.
/// </summary>
public sealed class CopilotService(ICopilot copilot, ITranscriptStore transcripts, IHandoffEventLog events, KnowledgeBase knowledge, PlaybookLibrary playbooks, IOptions<CopilotOptions> options)
{
    public async Task<IReadOnlyList<CopilotSuggestion>> SuggestAsync(HandoffRecord handoff, CancellationToken cancellationToken) =>
        await copilot.SuggestAsync(await ContextAsync(handoff, cancellationToken), options.Value.MaxSuggestions, cancellationToken);

    public async Task<CopilotContext> ContextAsync(HandoffRecord handoff, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        var transcript = await transcripts.ReadAsync(handoff.Customer.ChannelId!, handoff.Customer.Conversation!.Id!, cancellationToken);
        var lines = HandoffPacketBuilder.Lines([.. transcript.Where(a => a.Timestamp is not { } at || at <= handoff.CreatedAt)])
            .Select(l => new CopilotLine(l.Who == PacketLines.Customer ? CopilotLine.Customer : CopilotLine.Assistant, l.Text))
            .ToList();
        foreach (var e in await events.ReadHandoffAsync(handoff.Id, cancellationToken))
        {
            if (e.Message is { Kind: not HandoffMessageKind.Note } message)
            {
                lines.Add(new CopilotLine(message.Kind == HandoffMessageKind.FromCustomer ? CopilotLine.Customer : CopilotLine.Agent, SensitiveDataMasker.Mask(message.Text)));
            }
        }
        var packet = handoff.Packet;
        return new CopilotContext(lines, packet?.Category ?? "none", packet?.Language ?? handoff.Customer.Locale, packet?.OpenQuestion);
    }

    /// <summary>Is <paramref name="source"/> a knowledge-base entry or playbook step the co-pilot could have suggested?</summary>
    public bool IsKnownSource(string? source) =>
        source switch
        {
            null => false,
            _ when source.StartsWith(CopilotSource.KnowledgeBase + ":", StringComparison.Ordinal) =>
                knowledge.Entries.Any(e => CopilotSource.KnowledgeRef(e.Id) == source),
            _ when source.StartsWith(CopilotSource.Playbook + ":", StringComparison.Ordinal) =>
                playbooks.For(PlaybookLibrary.Fallback).Any(p => p.Steps.Any(s => CopilotSource.PlaybookRef(p.Id, s.Id) == source)),
            _ => false,
        };
}
