using HandoffBot.Protocol;

namespace HandoffBot.Storage;

/// <summary>An inbound activity stored before it was acknowledged, waiting for (or in) its turn.</summary>
public sealed record InboxItem(long Id, Activity Activity)
{
    /// <summary>W3C trace context of the request that stored the item: its turn continues that trace, even after a restart.</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// The replies of this item's turn that already reached the channel before the process stopped (by position in the
    /// turn, each with the id the channel gave it): a replayed turn does not send them again. Empty for a new item.
    /// </summary>
    public IReadOnlyList<string?> Replied { get; init; } = [];
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

    /// <summary>Items whose turn has not committed, oldest first, each with the replies it already sent (<see cref="InboxItem.Replied"/>).</summary>
    Task<IReadOnlyList<InboxItem>> ReadPendingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records durably, on its own (before the turn's commit), that the reply at <paramref name="position"/> (0 for the
    /// turn's first sent activity) of the turn of item <paramref name="itemId"/> reached its channel with
    /// <paramref name="activityId"/>. Recording a position twice keeps the first.
    /// </summary>
    Task MarkRepliedAsync(long itemId, int position, string? activityId, CancellationToken cancellationToken);

    /// <summary>
    /// Whether this process should run the turn of item <paramref name="itemId"/> now: its turn has not committed and,
    /// on a shared database, the item is still this instance's (an instance cut off from the database past its lease
    /// has had its items taken over by another). Asked under the conversation's turn lease, right before the turn.
    /// </summary>
    Task<bool> IsToRunHereAsync(long itemId, CancellationToken cancellationToken);
}

/// <summary>
/// Thrown by a turn commit that completes an inbox item whose turn already committed (run by another instance that
/// took the item over): nothing of the commit is kept, since the other run's transcript, state and replies stand.
/// </summary>
public sealed class InboxItemAlreadyDoneException(long itemId)
    : Exception($"Inbox item {itemId.ToString(System.Globalization.CultureInfo.InvariantCulture)} was already done by another run of its turn.")
{
    public long ItemId { get; } = itemId;
}

/// <summary>The providers' shared reading of recorded replies.</summary>
internal static class InboxReplies
{
    /// <summary>The ids of positions 0, 1, 2... up to the first position not recorded (ordered by position).</summary>
    public static IReadOnlyList<string?> Leading(IReadOnlyList<(int Position, string? Id)> recorded)
    {
        var ids = new List<string?>(recorded.Count);
        foreach (var (position, id) in recorded)
        {
            if (position != ids.Count)
            {
                break;
            }
            ids.Add(id);
        }
        return ids;
    }
}
