using HandoffBot.Protocol;
using HandoffBot.Storage;

namespace HandoffBot.Pipeline;

/// <summary>
/// What a turn writes, collected during the turn and committed by <see cref="TurnPipeline"/> in one transaction
/// when it ends (see <see cref="ITurnStore"/>): one write per turn instead of several, and a turn that never
/// commits leaves no trace, so a replayed turn cannot duplicate its transcript. Until then the turn's own
/// activities are in <see cref="Transcript"/>, not yet in <see cref="ITranscriptStore"/>.
/// </summary>
public sealed class TurnWrites
{
    private readonly List<Activity> _transcript = [];
    private readonly List<ITurnRecord> _records = [];

    /// <param name="completesInboxItem">The inbox item this turn runs, marked done in the same commit.</param>
    public TurnWrites(long? completesInboxItem = null) => CompletesInboxItem = completesInboxItem;

    public long? CompletesInboxItem { get; }

    /// <summary>This turn's transcript entries so far, in order.</summary>
    public IReadOnlyList<Activity> Transcript => _transcript;

    public StateWrite? State { get; private set; }

    /// <summary>True once committed; later writes go straight to the stores.</summary>
    public bool IsCommitted { get; private set; }

    public void AddTranscript(IReadOnlyList<Activity> activities)
    {
        lock (_transcript)
        {
            ObjectDisposedException.ThrowIf(IsCommitted, this);
            _transcript.AddRange(activities);
        }
    }

    /// <summary>Adds a feature's row (an audit entry, say) to this turn's commit.</summary>
    public void AddRecord(ITurnRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_transcript)
        {
            ObjectDisposedException.ThrowIf(IsCommitted, this);
            _records.Add(record);
        }
    }

    /// <summary>The turn's writes while they can still join its commit; null outside a turn store or once committed.</summary>
    public static TurnWrites? Pending(ITurnContext turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return turn.Features.Get<TurnWrites>() is { IsCommitted: false } writes ? writes : null;
    }

    public void SetState(StateWrite state)
    {
        lock (_transcript)
        {
            ObjectDisposedException.ThrowIf(IsCommitted, this);
            State = state;
        }
    }

    /// <summary>Closes the turn's writes; a failed turn keeps what it received, sent and recorded, not its state.</summary>
    internal TurnCommit Seal(bool includeState)
    {
        lock (_transcript)
        {
            IsCommitted = true;
            return new TurnCommit([.. _transcript], includeState ? State : null, CompletesInboxItem, [.. _records]);
        }
    }
}
