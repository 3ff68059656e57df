using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using HandoffBot.Assistant;
using HandoffBot.Copilot;
using HandoffBot.Escalation.Embedding;
using HandoffBot.Handoff;
using HandoffBot.Resources;
using Microsoft.Extensions.Options;

namespace HandoffBot.Eval;

/// <summary>
/// The co-pilot and the handoff summary on the frozen set Bot.Eval/Data/copilot-eval.json (written by hand before any
/// output was looked at): for each handoff conversation, are the sources a good agent would use next among the
/// suggestions (top-1, top-3), is the answer the assistant already gave never suggested again, and does the local
/// summary name the customer's issue and their ask (keywords fixed with the set). Needs no data folder.
/// </summary>
internal sealed class CopilotEvaluation : IEvaluation
{
    public string Name => "copilot";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken)
    {
        var ci = CultureInfo.InvariantCulture;
        var set = JsonSerializer.Deserialize(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Data", "copilot-eval.json"), cancellationToken), CopilotEvalJsonContext.Default.CopilotEvalSet)!;
        var knowledge = KnowledgeBase.Load(Path.Combine(AppContext.BaseDirectory, "Knowledge", "retail-kb.json"));
        var embedder = new MiniLmEmbedder();
        var copilot = new LocalCopilot(knowledge, PlaybookLibrary.Load(Path.Combine(AppContext.BaseDirectory, "Knowledge")), embedder);
        var copy = new JsonCopy(Path.Combine(AppContext.BaseDirectory, "Resources", "Copy"));
        var engine = ClassifierAnswerEngine.Train(knowledge, TimeProvider.System, embedder);
        var summarizer = new ExtractiveSummarizer(copy, Options.Create(new HandoffOptions()), engine);

        var rows = new List<(CopilotEvalConversation Conversation, bool Top1, bool Top3, bool Failed, bool Issue, bool Ask, int Sentences)>();
        foreach (var conversation in set.Conversations)
        {
            var lines = conversation.Lines.Select(l => Expand(l, knowledge, copy, conversation.Language)).ToList();
            var context = new CopilotContext([.. lines.Select(l => new CopilotLine(l.Who == "bot" ? CopilotLine.Assistant : CopilotLine.Customer, l.Text))],
                conversation.Category, conversation.Language);
            var suggestions = await copilot.SuggestAsync(context, 3, cancellationToken);
            var tried = conversation.Lines.Where(l => l[0] == "bot" && l[1].StartsWith("kb:", StringComparison.Ordinal)).Select(l => l[1]).ToHashSet(StringComparer.Ordinal);
            var refs = suggestions.Select(s => s.Source.Ref).ToList();

            var packetLines = lines.Select(l => new PacketLine(null, l.Who == "bot" ? PacketLines.Bot : PacketLines.Customer, l.Text)).ToList();
            var answers = lines.Where(l => l.Who == "bot" && l.Answered).Select(l => new PacketAssistantAnswer("", l.Text, 0.8, true)).ToList();
            var summary = summarizer.Summarize(new SummaryInput(packetLines, "The customer asked for a person.", conversation.Category,
                lines.Last(l => l.Who == "customer").Text)
            { Tried = answers });
            var lower = summary.ToLowerInvariant();
            rows.Add((conversation,
                refs.Count > 0 && conversation.Next.Contains(refs[0]),
                refs.Any(conversation.Next.Contains),
                refs.Any(tried.Contains),
                conversation.Issue.Any(k => lower.Contains(k.ToLowerInvariant(), StringComparison.Ordinal)),
                conversation.Ask.Any(k => lower.Contains(k.ToLowerInvariant(), StringComparison.Ordinal)),
                summary.Split(". ", StringSplitOptions.RemoveEmptyEntries).Length));
            output.WriteLine($"{conversation.Id} [{conversation.Category}/{conversation.Topic}] top3={string.Join(", ", refs)} | gold={string.Join(", ", conversation.Next)}");
            output.WriteLine($"    summary: {summary}");
        }

        output.WriteLine();
        output.WriteLine("| slice | n | top-1 | top-3 | summary names issue | summary names ask |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var slice in rows.GroupBy(r => r.Conversation.Category).OrderBy(g => g.Key, StringComparer.Ordinal).Append(rows.GroupBy(_ => "all").Single()))
        {
            output.WriteLine(string.Create(ci, $"| {slice.Key} | {slice.Count()} | {Rate(slice, r => r.Top1):F1}% | {Rate(slice, r => r.Top3):F1}% | {Rate(slice, r => r.Issue):F1}% | {Rate(slice, r => r.Ask):F1}% |"));
        }
        var failed = rows.Count(r => r.Failed);
        output.WriteLine(string.Create(ci, $"{rows.Count} conversations; the assistant's failed answer suggested again in {failed}; summaries of at most three sentences: {rows.Count(r => r.Sentences <= 3)}"));

        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["top1_hit_rate"] = Rate(rows, r => r.Top1),
            ["top3_hit_rate"] = Rate(rows, r => r.Top3),
            ["never_failed_answer"] = failed == 0 ? 1 : 0,
            ["summary_issue_rate"] = Rate(rows, r => r.Issue),
            ["summary_ask_rate"] = Rate(rows, r => r.Ask),
        };
    }

    private static double Rate<T>(IEnumerable<T> rows, Func<T, bool> hit)
    {
        var list = rows.ToList();
        return list.Count == 0 ? 0 : Math.Round(100.0 * list.Count(hit) / list.Count, 1);
    }

    /// <summary>A line of the set as said: <c>kb:ID</c> is that entry's answer, <c>notSure</c> the assistant's "not sure" reply.</summary>
    private static (string Who, string Text, bool Answered) Expand(IReadOnlyList<string> line, KnowledgeBase knowledge, JsonCopy copy, string language) =>
        line[0] != "bot" ? (line[0], line[1], false)
        : line[1] == "notSure" ? ("bot", copy.Get(language, "assistant.notSure"), false)
        : ("bot", knowledge.Entries.Single(e => CopilotSource.KnowledgeRef(e.Id) == line[1]).Answer, true);
}

internal sealed record CopilotEvalConversation(string Id, string Topic, string Category, string Language, IReadOnlyList<IReadOnlyList<string>> Lines,
    IReadOnlyList<string> Next, IReadOnlyList<string> Issue, IReadOnlyList<string> Ask);

internal sealed record CopilotEvalSet(string About, IReadOnlyList<CopilotEvalConversation> Conversations);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CopilotEvalSet))]
internal sealed partial class CopilotEvalJsonContext : JsonSerializerContext;
