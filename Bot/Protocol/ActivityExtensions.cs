namespace HandoffBot.Protocol;

/// <summary>Helpers every bot needs: build a reply, take and apply a conversation reference.</summary>
public static class ActivityExtensions
{
    /// <summary>
    /// A message replying to <paramref name="incoming"/>: from/recipient swapped, conversation, channel and
    /// serviceUrl copied, replyToId set. No id and no timestamp: the channel assigns those.
    /// </summary>
    public static Activity CreateReply(this Activity incoming, string? text = null) => new()
    {
        Type = ActivityTypes.Message,
        ChannelId = incoming.ChannelId,
        ServiceUrl = incoming.ServiceUrl,
        Conversation = incoming.Conversation,
        From = incoming.Recipient is null ? null : incoming.Recipient with { Role = RoleTypes.Bot },
        Recipient = incoming.From,
        ReplyToId = incoming.Id,
        Locale = incoming.Locale,
        Text = text,
        TextFormat = text is null ? null : "plain",
    };

    /// <summary>The address of the conversation an inbound activity came from, for proactive messages.</summary>
    public static ConversationReference GetConversationReference(this Activity activity) => new()
    {
        ActivityId = activity.Id,
        User = activity.From,
        Bot = activity.Recipient,
        Conversation = activity.Conversation,
        ChannelId = activity.ChannelId,
        ServiceUrl = activity.ServiceUrl,
        Locale = activity.Locale,
    };

    /// <summary>
    /// Addresses an outgoing activity to <paramref name="reference"/>. For an outgoing activity the bot is
    /// <c>from</c>; with <paramref name="isIncoming"/> the reference is applied as though the user sent it.
    /// </summary>
    public static Activity ApplyConversationReference(this Activity activity, ConversationReference reference, bool isIncoming = false)
    {
        var addressed = activity with
        {
            ChannelId = reference.ChannelId,
            ServiceUrl = reference.ServiceUrl,
            Conversation = reference.Conversation,
            Locale = activity.Locale ?? reference.Locale,
        };
        return isIncoming
            ? addressed with { From = reference.User, Recipient = reference.Bot, Id = reference.ActivityId }
            : addressed with { From = reference.Bot, Recipient = reference.User, ReplyToId = reference.ActivityId };
    }

    /// <summary>The text of a message with leading and trailing white space removed, or empty.</summary>
    public static string TrimmedText(this Activity activity) => activity.Text?.Trim() ?? string.Empty;
}
