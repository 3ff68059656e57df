using HandoffBot.Protocol;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>An uploaded file: served back at /v3/directline/attachments/{Id}.</summary>
public sealed record StoredAttachment(string Id, string ConversationId, string ContentType, string? Name, long Length);

/// <summary>An activity in a conversation's log; <see cref="Appended"/> false when an append found its delivery key already stored.</summary>
public sealed record DirectLineAppend(long Position, Activity Activity, bool Appended);

/// <summary>
/// Direct Line conversations and their activity log; the watermark is an activity's position in its conversation.
/// Positions are allocated by the store, one after the other per conversation, atomically across every instance on
/// the same database (the conversation's row counts them), so they are dense: when position n is committed, every
/// position below it is too.
/// </summary>
public interface IDirectLineStore
{
    /// <summary>Records a conversation; false when it already existed.</summary>
    Task<bool> CreateConversationAsync(string conversationId, string userId, DateTimeOffset createdAt, CancellationToken cancellationToken);

    /// <summary>The user bound to the conversation, or null when there is no such conversation.</summary>
    Task<string?> FindConversationAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>The highest position allocated in the conversation (0 when none).</summary>
    Task<long> LastPositionAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>The last position of each of <paramref name="conversationIds"/> that exists.</summary>
    Task<IReadOnlyDictionary<string, long>> LastPositionsAsync(IReadOnlyCollection<string> conversationIds, CancellationToken cancellationToken);

    /// <summary>
    /// Allocates the conversation's next position and stores <paramref name="atPosition"/>(position) there, in one
    /// transaction; returns the position and the stored activity. The conversation must exist
    /// (<see cref="CreateConversationAsync"/>), else <see cref="InvalidOperationException"/> and nothing is stored.
    /// On PostgreSQL the other instances are told (ids only) when it commits. With a <paramref name="deliveryKey"/>
    /// (the sender's identity of this activity, e.g. an inbox item and a reply's position in its turn) the append is
    /// idempotent: when the conversation already holds an activity with that key, nothing is allocated, stored or
    /// told, and the existing position and activity come back with <see cref="DirectLineAppend.Appended"/> false.
    /// </summary>
    Task<DirectLineAppend> AppendAsync(string conversationId, string? deliveryKey, Func<long, Activity> atPosition, CancellationToken cancellationToken);

    /// <summary>Replaces the stored activity with the same id; its position, or null when there is none.</summary>
    Task<long?> ReplaceAsync(string conversationId, Activity activity, CancellationToken cancellationToken);

    /// <summary>Activities after <paramref name="watermark"/>, oldest first, at most <paramref name="limit"/>, with their positions.</summary>
    Task<IReadOnlyList<(long Position, Activity Activity)>> ReadAfterAsync(string conversationId, long watermark, int limit, CancellationToken cancellationToken);

    Task SaveAttachmentAsync(StoredAttachment attachment, CancellationToken cancellationToken);

    Task<StoredAttachment?> FindAttachmentAsync(string attachmentId, CancellationToken cancellationToken);
}

/// <summary>Appends without a delivery key (every call stores a new activity).</summary>
public static class DirectLineStoreExtensions
{
    public static async Task<(long Position, Activity Activity)> AppendAsync(this IDirectLineStore store, string conversationId, Func<long, Activity> atPosition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var appended = await store.AppendAsync(conversationId, null, atPosition, cancellationToken);
        return (appended.Position, appended.Activity);
    }
}
