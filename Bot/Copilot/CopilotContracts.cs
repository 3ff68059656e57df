namespace HandoffBot.Copilot;

/// <summary>Where a suggestion comes from: a knowledge-base entry or a playbook step, with a title people read.</summary>
/// <param name="Kind"><see cref="KnowledgeBase"/> or <see cref="Playbook"/>.</param>
/// <param name="Ref">The stable reference, <c>kb:{entry id}</c> or <c>playbook:{playbook}/{step}</c> (what the audit records).</param>
/// <param name="Title">The entry's id and topic, or the playbook's title and the step.</param>
public sealed record CopilotSource(string Kind, string Ref, string Title)
{
    public const string KnowledgeBase = "kb";
    public const string Playbook = "playbook";

    public static string KnowledgeRef(string entryId) => $"{KnowledgeBase}:{entryId}";

    public static string PlaybookRef(string playbookId, string stepId) => $"{Playbook}:{playbookId}/{stepId}";
}

/// <summary>A reply the agent may insert, edit and send; nothing is sent without them.</summary>
/// <param name="Id">Stable for the same text and source (the console keys its buttons and the feedback by it).</param>
/// <param name="Origin"><see cref="LocalOrigin"/> (retrieval) or <see cref="ModelOrigin"/> (drafted by the language model).</param>
public sealed record CopilotSuggestion(string Id, string Text, CopilotSource Source, double Score, string Origin)
{
    public const string LocalOrigin = "local";
    public const string ModelOrigin = "llm";
}

/// <summary>One line of the conversation as the co-pilot reads it.</summary>
public sealed record CopilotLine(string Who, string Text)
{
    public const string Customer = "customer";
    public const string Assistant = "assistant";
    public const string Agent = "agent";
}

/// <summary>What the suggestions are grounded in: the conversation (who said what), the handoff's category and language.</summary>
public sealed record CopilotContext(IReadOnlyList<CopilotLine> Lines, string Category, string? Language, string? OpenQuestion = null);

/// <summary>Suggests the agent's next message.</summary>
public interface ICopilot
{
    /// <summary>Up to <paramref name="max"/> suggestions, best first.</summary>
    Task<IReadOnlyList<CopilotSuggestion>> SuggestAsync(CopilotContext context, int max, CancellationToken cancellationToken);
}
