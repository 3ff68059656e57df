namespace HandoffBot.Storage;

/// <summary>
/// Claims the unfinished inbox items of other instances that died (their lease in the shared database ran out), so
/// this instance runs their turns. A live instance's items are never taken; two instances checking at once never both
/// take one item.
/// </summary>
public interface IInboxTakeover
{
    /// <summary>How often to check; null: the provider is one process (SQLite) and nothing is ever taken over.</summary>
    TimeSpan? Interval { get; }

    /// <summary>
    /// Claims for this instance every item not done whose instance's lease ran out, and returns them oldest first, each
    /// with the replies it already sent (<see cref="InboxItem.Replied"/>). Empty when there is nothing to take.
    /// </summary>
    Task<IReadOnlyList<InboxItem>> TakeOverAsync(CancellationToken cancellationToken);
}

internal sealed class NoInboxTakeover : IInboxTakeover
{
    public TimeSpan? Interval => null;

    public Task<IReadOnlyList<InboxItem>> TakeOverAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<InboxItem>>([]);
}
