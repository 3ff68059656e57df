using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HandoffBot.Pipeline;

namespace HandoffBot.Assistant;

/// <summary>What the assistant remembers of a conversation: each answer it gave and how sure it was.</summary>
public sealed record AssistantState(IReadOnlyList<AssistantTurn> Turns, bool Welcomed) : IStateSection<AssistantState>
{
    public static string Key => "assistant";

    public static JsonTypeInfo<AssistantState> JsonTypeInfo => AssistantJsonContext.Default.AssistantState;

    public static AssistantState Empty { get; } = new([], false);

    /// <summary>Keeps the last 50 turns so state stays small in long conversations.</summary>
    public AssistantState Add(AssistantTurn turn) => this with { Turns = [.. Turns.TakeLast(49), turn] };
}

/// <summary>One question, the entry chosen (null when unsure) and its confidence.</summary>
public sealed record AssistantTurn(string Question, string? EntryId, double Confidence, bool Answered, DateTimeOffset At);

[JsonSerializable(typeof(AssistantState))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class AssistantJsonContext : JsonSerializerContext;
