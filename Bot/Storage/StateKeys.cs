namespace HandoffBot.Storage;

/// <summary>Storage keys that read like paths.</summary>
public static class StateKeys
{
    public static string Conversation(string channelId, string conversationId) => $"{channelId}/conversations/{conversationId}";

    public static string User(string channelId, string userId) => $"{channelId}/users/{userId}";
}
