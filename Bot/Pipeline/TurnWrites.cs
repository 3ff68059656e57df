using HandoffBot.Protocol;
using HandoffBot.Storage;

namespace HandoffBot.Pipeline;

/// <summary>
/// What a turn writes, collected during the turn and committed by <see cref="TurnPipeline"/> in one transaction
/// when it ends (see <see cref="ITurnStore"/>): one commit per turn, always, and a turn that never commits leaves no
/// trace, so a replayed turn cannot duplicate its transcript. Until then the turn's own activities are in
/// <see cref="Transcript"/>, not yet in <see cref="ITranscriptStore"/>. Features add their facts as data
/// (<see cref="Add"/>); only the storage provider knows how they are stored.
/// </summary>
public sealed class TurnWrites
{
    private readonly Lock _gate = new();
    private readonly List<Activity> _transcript = [];
    private readonly List<ITurnRecord> _records = [];
    private readonly List<Func<CancellationToken, Task>> _afterCommit = [];

    /// <param name="completesInboxItem">The inbox item this turn runs, marked done in the same commit.</param>
    public TurnWrites(long? completesInboxItem = null) => CompletesInboxItem = completesInboxItem;

    public long? CompletesInboxItem { get; }

    /// <summary>This turn's transcript entries so far, in order.</summary>
    public IReadOnlyList<Activity> Transcript
    {
        get
        {
            lock (_gate)
            {
                return [.. _transcript];
            }
        }
    }

    /// <summary>This turn's records so far, in order.</summary>
    public IReadOnlyList<ITurnRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return [.. _records];
            }
        }
    }

    public StateWrite? State { get; private set; }

    /// <summary>True once sealed for the commit; later writes are a bug (they would be lost) and throw.</summary>
    public bool IsSealed { get; private set; }

    /// <summary>The turn's writes (every turn of a <see cref="TurnPipeline"/> has them).</summary>
    public static TurnWrites Of(ITurnContext turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return turn.Features.GetRequired<TurnWrites>();
    }

    public void AddTranscript(IReadOnlyList<Activity> activities)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsSealed, this);
            _transcript.AddRange(activities);
        }
    }

    /// <summary>Adds a feature's record (an audit entry, a score, a handoff transition...) to this turn's commit.</summary>
    public void Add(ITurnRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsSealed, this);
            _records.Add(record);
        }
    }

    public void SetState(StateWrite state)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsSealed, this);
            State = state;
        }
    }

    /// <summary>
    /// Work that must follow this turn's commit, never precede it (signal the outbox dispatcher, publish the events of
    /// the records). Runs once the commit succeeded, after the turn (off the customer's reply path); not at all if it failed.
    /// </summary>
    public void AfterCommit(Func<CancellationToken, Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(IsSealed, this);
            _afterCommit.Add(action);
        }
    }

    internal IReadOnlyList<Func<CancellationToken, Task>> AfterCommitActions
    {
        get
        {
            lock (_gate)
            {
                return [.. _afterCommit];
            }
        }
    }

    /// <summary>Closes the turn's writes; a failed turn keeps what it received and sent, not its state or records.</summary>
    internal TurnCommit Seal(bool complete)
    {
        lock (_gate)
        {
            IsSealed = true;
            return complete
                ? new TurnCommit([.. _transcript], State, CompletesInboxItem, [.. _records])
                : new TurnCommit([.. _transcript], null, CompletesInboxItem, []);
        }
    }
}
