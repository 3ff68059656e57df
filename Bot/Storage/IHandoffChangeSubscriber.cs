namespace HandoffBot.Storage;

/// <summary>
/// Hears that another instance changed a handoff (PostgreSQL LISTEN/NOTIFY; ids only). Notifications are lost while
/// nobody listens, so <see cref="CatchUp"/> follows every (re)connection of the listener: the subscriber then reads
/// what it needs from the store. Called on the listener's thread: return at once (queue the work).
/// </summary>
public interface IHandoffChangeSubscriber
{
    void Changed(string handoffId);

    /// <summary>An agent's presence or capacity changed (sent before the handoff changes it causes, in commit order).</summary>
    void AgentsChanged();

    /// <summary>Changes may have been missed (the listener just connected): compare everything with the store.</summary>
    void CatchUp();
}
