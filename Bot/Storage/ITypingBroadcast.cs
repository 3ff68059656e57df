namespace HandoffBot.Storage;

/// <summary>Where a typing indicator is shown: the agent console's feed of a handoff, or a Direct Line conversation's stream.</summary>
public enum TypingScope
{
    Handoff,
    DirectLine,
}

/// <summary>
/// Someone is typing (never stored): <paramref name="SubjectId"/> is the handoff id (<see cref="TypingScope.Handoff"/>)
/// or the Direct Line conversation id; the sender by role (<c>customer</c>, <c>bot</c>) and, when the receiver needs it, id.
/// </summary>
public sealed record TypingSignal(TypingScope Scope, string SubjectId, string FromRole, string? FromId);

/// <summary>
/// Tells the other instances that someone is typing (PostgreSQL NOTIFY, ids only; nothing on SQLite, one process).
/// Best effort: a signal nobody heard is not caught up later (stale typing is worse than none), and failures are swallowed.
/// </summary>
public interface ITypingBroadcast
{
    Task PublishAsync(TypingSignal signal, CancellationToken cancellationToken);
}

/// <summary>Hears the typing another instance announced (<see cref="ITypingBroadcast"/>). Called on the listener's thread: return at once.</summary>
public interface ITypingSubscriber
{
    void Typing(TypingSignal signal);
}

/// <summary>One instance (SQLite): every console connection and Direct Line stream is here, nobody else to tell.</summary>
internal sealed class NoTypingBroadcast : ITypingBroadcast
{
    public Task PublishAsync(TypingSignal signal, CancellationToken cancellationToken) => Task.CompletedTask;
}
