using System.Text.Json;
using System.Text.Json.Serialization;
using HandoffBot.Escalation;

namespace HandoffBot.Handoff;

/// <summary>
/// Everything an agent needs so the customer never repeats themselves. Sensitive identifiers (card numbers, IBANs,
/// SSN-like numbers) are masked before a packet is built into a record or sent anywhere.
/// </summary>
public sealed record HandoffPacket(
    string HandoffId,
    string Reason,
    string Category,
    HandoffBot.Escalation.EscalationPriority Priority,
    string Queue,
    string RequiredSkill,
    IReadOnlyList<PacketTrigger> Triggers,
    IReadOnlyList<PacketConfidence> ConfidenceHistory,
    IReadOnlyList<PacketSentiment> SentimentTrajectory,
    IReadOnlyList<PacketAssistantAnswer> AssistantTried,
    string OpenQuestion,
    string Summary,
    string SummarySource,
    IReadOnlyList<string> SuggestedNextSteps,
    CustomerProfile? Profile,
    string Channel,
    string? Language,
    DateTimeOffset RequestedAt,
    IReadOnlyList<PacketLine> LastCustomerMessages,
    string CustomerConversationId)
{
    /// <summary>What decided the escalation (the trained heads, or the rules alone and why: heads off, a language the models do not know).</summary>
    public string? Detection { get; init; }

    /// <summary>How long the customer has waited at <paramref name="now"/>.</summary>
    public TimeSpan WaitedAt(DateTimeOffset now) => now > RequestedAt ? now - RequestedAt : TimeSpan.Zero;
}

/// <summary>One trigger's opinion as the agent should see it.</summary>
public sealed record PacketTrigger(string Name, double Score, bool Fired, string Reason, IReadOnlyList<string> Evidence, string? Category);

/// <summary>One of the assistant's answers and how sure it was.</summary>
public sealed record PacketConfidence(DateTimeOffset At, double Confidence, bool Answered);

/// <summary>The customer's mood on one turn.</summary>
public sealed record PacketSentiment(DateTimeOffset At, string Label, double Compound);

/// <summary>A question the assistant already handled (or could not).</summary>
public sealed record PacketAssistantAnswer(string Question, string? Answer, double Confidence, bool Answered);

/// <summary>A line of the conversation as shown on the card.</summary>
public sealed record PacketLine(DateTimeOffset? At, string Who, string Text);

/// <summary>A customer as the CRM (here: the profile store) knows them.</summary>
public sealed record CustomerProfile(
    string ChannelId,
    string UserId,
    string Name,
    string? Email,
    string? Tier,
    string? Language,
    int? LifetimeOrders,
    string? Notes);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HandoffRecord))]
[JsonSerializable(typeof(HandoffPacket))]
[JsonSerializable(typeof(CustomerProfile))]
[JsonSerializable(typeof(List<CustomerProfile>))]
[JsonSerializable(typeof(EscalationPriority))]
[JsonSerializable(typeof(HandoffConversationState))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class HandoffJsonContext : JsonSerializerContext;
