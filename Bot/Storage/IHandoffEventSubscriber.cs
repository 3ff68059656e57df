namespace HandoffBot.Storage;

/// <summary>
/// Hears that another instance committed a line of the handoff event log (PostgreSQL LISTEN/NOTIFY; the payload carries
/// the line's sequence only). Notifications are lost while nobody listens, so <see cref="CatchUp"/> follows every
/// (re)connection of the listener: the subscriber then reads the log from its own cursor. Called on the listener's
/// thread: return at once (queue the work).
/// </summary>
public interface IHandoffEventSubscriber
{
    /// <summary>The event log has a line with this sequence (committed; lines before it may be unread here too).</summary>
    void Appended(long sequence);

    /// <summary>Lines may have been missed (the listener just connected): read the log from the cursor.</summary>
    void CatchUp();
}
