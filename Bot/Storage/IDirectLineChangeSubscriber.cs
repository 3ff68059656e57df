namespace HandoffBot.Storage;

/// <summary>
/// Hears that another instance appended or replaced a Direct Line activity (PostgreSQL LISTEN/NOTIFY; ids only).
/// Notifications are lost while nobody listens and may arrive in any order, so <see cref="CatchUp"/> follows every
/// (re)connection of the listener and the subscriber reads what it needs from the store. Called on the listener's
/// thread: return at once (queue the work).
/// </summary>
public interface IDirectLineChangeSubscriber
{
    void Appended(string conversationId, long position);

    void Replaced(string conversationId, long position);

    /// <summary>Changes may have been missed (the listener just connected): compare everything with the store.</summary>
    void CatchUp();
}
