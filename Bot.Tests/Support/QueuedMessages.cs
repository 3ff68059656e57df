using HandoffBot.Protocol;

namespace HandoffBot.Tests.Support;

/// <summary>A customer's message on a test channel whose replies a recording transport takes (no Connector).</summary>
public static class QueuedMessages
{
    public static Activity Message(string channel, string id, string conversation, string text) => new()
    {
        Type = ActivityTypes.Message,
        Id = id,
        ChannelId = channel,
        ServiceUrl = "https://channel.invalid/",
        Conversation = new ConversationAccount { Id = conversation },
        From = new ChannelAccount { Id = "customer-" + conversation, Role = RoleTypes.User },
        Recipient = new ChannelAccount { Id = "bot", Role = RoleTypes.Bot },
        Text = text,
    };
}
