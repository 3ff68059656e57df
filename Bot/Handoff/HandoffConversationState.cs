using System.Text.Json.Serialization.Metadata;
using HandoffBot.Pipeline;

namespace HandoffBot.Handoff;

/// <summary>What the customer's conversation is waiting for from them outside the assistant's own questions.</summary>
public enum CustomerPrompt
{
    None = 0,

    /// <summary>No qualified agent: leave a message or keep chatting with the assistant?</summary>
    Alternatives = 1,

    /// <summary>They chose to leave a message: the next message is stored for follow-up.</summary>
    FollowUpMessage = 2,

    /// <summary>A handoff ended: the next message may be a satisfaction score 1-5.</summary>
    Satisfaction = 3,
}

/// <summary>
/// The handoff's slice of the customer's conversation state. The handoff store is the truth about a handoff; this
/// section remembers which handoff the conversation last saw, so its end is applied once (cool-down, CSAT prompt).
/// </summary>
public sealed record HandoffConversationState(string? HandoffId, bool Closed, CustomerPrompt Prompt) : IStateSection<HandoffConversationState>
{
    public static string Key => "handoff";

    public static JsonTypeInfo<HandoffConversationState> JsonTypeInfo => HandoffJsonContext.Default.HandoffConversationState;

    public static HandoffConversationState Empty { get; } = new(null, true, CustomerPrompt.None);
}
