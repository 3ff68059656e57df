using HandoffBot.Protocol;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>An uploaded file: served back at /v3/directline/attachments/{Id}.</summary>
public sealed record StoredAttachment(string Id, string ConversationId, string ContentType, string? Name, long Length);

/// <summary>Direct Line conversations and their activity log; the watermark is an activity's position in its conversation.</summary>
public interface IDirectLineStore
{
    /// <summary>Records a conversation; false when it already existed.</summary>
    Task<bool> CreateConversationAsync(string conversationId, string userId, DateTimeOffset createdAt, CancellationToken cancellationToken);

    /// <summary>The user bound to the conversation, or null when there is no such conversation.</summary>
    Task<string?> FindConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>The highest position written in the conversation (0 when none).</summary>
    Task<long> LastPositionAsync(string conversationId, CancellationToken cancellationToken);

    Task AppendAsync(string conversationId, long position, Activity activity, CancellationToken cancellationToken);

    /// <summary>Replaces the stored activity with the same id; false when there is none.</summary>
    Task<bool> ReplaceAsync(string conversationId, Activity activity, CancellationToken cancellationToken);

    /// <summary>Activities after <paramref name="watermark"/>, oldest first, at most <paramref name="limit"/>, with their positions.</summary>
    Task<IReadOnlyList<(long Position, Activity Activity)>> ReadAfterAsync(string conversationId, long watermark, int limit, CancellationToken cancellationToken);

    Task SaveAttachmentAsync(StoredAttachment attachment, CancellationToken cancellationToken);

    Task<StoredAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken);
}
