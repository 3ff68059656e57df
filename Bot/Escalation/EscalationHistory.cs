using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HandoffBot.Pipeline;

namespace HandoffBot.Escalation;

/// <summary>
/// What escalation remembers of a conversation (a conversation-state section): per-turn sentiment and answer
/// confidence, the decisions taken, and the reasons already escalated for, so the same reason never escalates twice
/// while a handoff is under way, and not again within the cool-down after a handback.
/// </summary>
public sealed record EscalationHistory(
    IReadOnlyList<EscalationTurn> Turns,
    IReadOnlyList<string> ActiveReasons,
    DateTimeOffset? CooldownUntil,
    IReadOnlyList<string> CooldownReasons) : IStateSection<EscalationHistory>
{
    public static string Key => "escalation";

    public static JsonTypeInfo<EscalationHistory> JsonTypeInfo => EscalationJsonContext.Default.EscalationHistory;

    public static EscalationHistory Empty { get; } = new([], [], null, []);
}

/// <summary>One customer turn as escalation saw it.</summary>
/// <param name="Negative">The sentiment head's P(negative) for the message (null when the heads did not run).</param>
/// <param name="AnswerEntry">The knowledge-base entry the assistant answered with (null when it did not answer).</param>
public sealed record EscalationTurn(
    DateTimeOffset At,
    string Text,
    string SentimentLabel,
    double Compound,
    double? AnswerConfidence,
    bool Escalated,
    IReadOnlyList<string> FiredTriggers,
    double? Negative = null,
    string? AnswerEntry = null);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(EscalationHistory))]
[JsonSerializable(typeof(EscalationDecision))]
[JsonSerializable(typeof(SentimentResult))]
public sealed partial class EscalationJsonContext : JsonSerializerContext;
