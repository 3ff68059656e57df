using HandoffBot.Protocol;

namespace HandoffBot.Storage;

/// <summary>An inbound activity stored before it was acknowledged, waiting for (or in) its turn.</summary>
public sealed record InboxItem(long Id, Activity Activity)
{
    /// <summary>W3C trace context of the request that stored the item: its turn continues that trace, even after a restart.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>
/// Inbound activities acknowledged to the channel before their turn ran. An item is done when its turn commits
/// (<see cref="TurnCommit.CompletesInboxItem"/>); items not done when the process stopped are run again at start-up.
/// </summary>
public interface IInboxStore
{
    /// <summary>
    /// Stores <paramref name="activity"/> durably. Returns null when the same activity (channelId, conversation id,
    /// activity id) is already in the inbox: a redelivery, not to be run again.
    /// </summary>
    Task<InboxItem?> AddAsync(Activity activity, CancellationToken cancellationToken);

    /// <summary>Items whose turn has not committed, oldest first.</summary>
    Task<IReadOnlyList<InboxItem>> ReadPendingAsync(CancellationToken cancellationToken);
}
