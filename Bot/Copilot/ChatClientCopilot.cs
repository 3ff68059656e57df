using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using HandoffBot.Handoff;
using Microsoft.Extensions.AI;

namespace HandoffBot.Copilot;

/// <summary>
/// Suggestions drafted by a language model through <see cref="IChatClient"/>, from the same grounding as local
/// retrieval: the conversation and the best local candidates (knowledge-base entries and playbook steps), numbered.
/// Each draft must cite one of them (<c>[n] text</c>); a draft citing nothing, or a model that fails, is slow or answers
/// nothing, leaves the local suggestions. Drafts are masked (cards, IBANs) like everything else an agent reads.
/// </summary>
public sealed partial class ChatClientCopilot(IChatClient client, LocalCopilot local, TimeProvider time, ILogger<ChatClientCopilot> logger) : ICopilot
{
    /// <summary>How many local candidates the model sees.</summary>
    public const int Grounding = 6;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [GeneratedRegex(@"^\s*\[(\d+)\]\s*(.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex DraftLine();

    public async Task<IReadOnlyList<CopilotSuggestion>> SuggestAsync(CopilotContext context, int max, CancellationToken cancellationToken)
    {
        var grounding = local.Rank(context, cancellationToken).Take(Grounding).ToList();
        if (grounding.Count == 0)
        {
            return [];
        }
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var response = await client.GetResponseAsync(Prompt(context, grounding, max), new ChatOptions { Temperature = 0.3f, MaxOutputTokens = 400 }, bounded.Token);
            var drafts = Parse(response.Text ?? string.Empty, grounding, max);
            if (drafts.Count > 0)
            {
                return drafts;
            }
            LogNoDrafts(logger);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogDraftFailed(logger, exception);
        }
        return [.. grounding.Take(max)];
    }

    private static List<ChatMessage> Prompt(CopilotContext context, List<CopilotSuggestion> grounding, int max)
    {
        var sources = new StringBuilder();
        for (var i = 0; i < grounding.Count; i++)
        {
            sources.Append(CultureInfo.InvariantCulture, $"[{i + 1}] {grounding[i].Source.Title}\n    {grounding[i].Text}\n");
        }
        var conversation = string.Join("\n", context.Lines.Select(l => $"{l.Who}: {SensitiveDataMasker.Mask(l.Text)}"));
        return
        [
            new(ChatRole.System, "You draft the next message a human customer-service agent sends to the customer. " +
                $"Write at most {max} alternative replies, one per line, each starting with the number of the one source it is based on, like \"[2] text\". " +
                "Use only facts from the sources and the conversation. Never repeat an answer the assistant already gave. " +
                "Write in the customer's language, briefly, without greetings. Never include card numbers or other identifiers."),
            new(ChatRole.User, $"Category: {context.Category}\nLanguage: {context.Language ?? "en"}\nConversation:\n{conversation}\n\nSources:\n{sources}"),
        ];
    }

    private static List<CopilotSuggestion> Parse(string text, List<CopilotSuggestion> grounding, int max)
    {
        var drafts = new List<CopilotSuggestion>();
        foreach (Match match in DraftLine().Matches(text))
        {
            if (!int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > grounding.Count)
            {
                continue; // cites nothing we gave it
            }
            var source = grounding[n - 1];
            var draft = SensitiveDataMasker.Mask(match.Groups[2].Value);
            if (draft.Length == 0 || drafts.Any(d => d.Source.Ref == source.Source.Ref))
            {
                continue;
            }
            drafts.Add(new CopilotSuggestion(source.Id + "#" + CopilotSuggestion.ModelOrigin, draft, source.Source, source.Score, CopilotSuggestion.ModelOrigin));
            if (drafts.Count == max)
            {
                break;
            }
        }
        return drafts;
    }

    [LoggerMessage(EventId = 4700, Level = LogLevel.Warning, Message = "The language model could not draft co-pilot suggestions; using local retrieval")]
    private static partial void LogDraftFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4701, Level = LogLevel.Warning, Message = "The language model's co-pilot drafts cited no source; using local retrieval")]
    private static partial void LogNoDrafts(ILogger logger);
}
