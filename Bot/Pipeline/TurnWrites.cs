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

    public void SetState(StateWrite state)
    {
        lock (_transcript)
        {
            ObjectDisposedException.ThrowIf(IsCommitted, this);
            State = state;
        }
    }

    internal TurnCommit Seal(bool includeState)
    {
        lock (_transcript)
        {
            IsCommitted = true;
            return new TurnCommit([.. _transcript], includeState ? State : null, CompletesInboxItem);
        }
    }
}
