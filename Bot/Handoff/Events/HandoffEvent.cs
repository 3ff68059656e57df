using HandoffBot.Storage;

namespace HandoffBot.Handoff.Events;

/// <summary>What a message line of a handoff is: the customer's words, the agent's reply, or a note agents keep for each other.</summary>
public enum HandoffMessageKind
{
    FromCustomer = 0,
    ToCustomer = 1,
    Note = 2,
}

/// <summary>A message of a handoff's conversation, idempotent by <see cref="Key"/> (the source activity id, or the console's client id).</summary>
public sealed record HandoffMessage(string Key, HandoffMessageKind Kind, string Text);

/// <summary>
/// One committed fact of a handoff, in the order of the audit log: a transition (opened, offered, accepted, declined,
/// expired, withdrawn, transferred, ended, cancelled, unassigned) or a message line (<see cref="Message"/> set).
/// <see cref="Sequence"/> is the audit log's sequence: a subscriber that missed events reads them again from the
/// store after the last sequence it saw.
/// </summary>
public sealed record HandoffEvent(long Sequence, HandoffAuditEntry Entry, HandoffMessage? Message)
{
    public string HandoffId => Entry.HandoffId;

    public const string MessageAction = "message";
    public const string NoteAction = "note";

    public bool IsMessage => Message is not null;
}

/// <summary>
/// A message line added to a commit (a customer's turn, an agent's reply from the console, a note): stored in the
/// handoff's audit log under its key once, so a retried request or a re-run turn never writes it twice.
/// </summary>
public sealed record HandoffMessageRecord(string HandoffId, HandoffStatus Status, HandoffActor Actor, HandoffMessage Message, DateTimeOffset At) : ITurnRecord;

/// <summary>The handoff event log: the audit log read in sequence order.</summary>
public interface IHandoffEventLog
{
    /// <summary>Up to <paramref name="max"/> events after <paramref name="afterSequence"/>, oldest first.</summary>
    Task<IReadOnlyList<HandoffEvent>> ReadAfterAsync(long afterSequence, int max, CancellationToken cancellationToken);

    /// <summary>Every event of one handoff, oldest first.</summary>
    Task<IReadOnlyList<HandoffEvent>> ReadHandoffAsync(string handoffId, CancellationToken cancellationToken);

    /// <summary>The sequence of the newest event (0 when the log is empty).</summary>
    Task<long> LatestSequenceAsync(CancellationToken cancellationToken);
}
