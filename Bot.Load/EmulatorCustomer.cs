using HandoffBot.Protocol;

namespace HandoffBot.Load;

/// <summary>One Emulator customer of the load tools: activities as the Emulator sends them (no expectReplies), ids "{conversation}-{n}".</summary>
internal sealed class EmulatorCustomer(string conversationId, string serviceUrl, string name = "Customer")
{
    private readonly ChannelAccount _user = new() { Id = $"user-{conversationId}", Name = name, Role = "user" };
    private readonly ChannelAccount _bot = new() { Id = "bot", Name = "Bot", Role = "bot" };
    private int _turns;

    public Activity Welcome() => Next(ActivityTypes.ConversationUpdate) with { MembersAdded = [_bot with { Role = null }, _user with { Role = null }] };

    public Activity Says(string text) => Next(ActivityTypes.Message) with { Text = text, TextFormat = "plain" };

    private Activity Next(string type) => new()
    {
        Type = type,
        Id = $"{conversationId}-{_turns++}",
        ChannelId = "emulator",
        ServiceUrl = serviceUrl,
        Timestamp = TimeProvider.System.GetUtcNow(),
        Locale = "en-US",
        Conversation = new ConversationAccount { Id = conversationId },
        From = _user,
        Recipient = _bot,
    };
}
