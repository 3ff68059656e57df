namespace HandoffBot.Storage;

/// <summary>
/// Serialises the turns of one conversation across instances sharing a database (in one process
/// <c>ConversationLocks</c> does it first). Held for the whole turn, released when disposed.
/// </summary>
public interface IConversationLease
{
    /// <summary>Waits until no other instance runs a turn of <paramref name="conversationKey"/>; null when the provider needs no lease.</summary>
    ValueTask<IAsyncDisposable?> AcquireAsync(string conversationKey, CancellationToken cancellationToken);
}

/// <summary>SQLite: one process owns the file, so the in-process lock is the whole story (the state version check catches the rest).</summary>
internal sealed class InProcessConversationLease : IConversationLease
{
    public ValueTask<IAsyncDisposable?> AcquireAsync(string conversationKey, CancellationToken cancellationToken) => ValueTask.FromResult<IAsyncDisposable?>(null);
}
