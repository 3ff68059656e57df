using HandoffBot.Storage;

namespace HandoffBot.Hosting;

/// <summary>
/// Runs the accepted, unfinished turns of instances that died: every <see cref="IInboxTakeover.Interval"/> on the
/// injected clock (a third of <c>Storage:Postgres:InstanceLease</c>) and once at start-up (after the turn queue took
/// back this instance's own items), it claims the items of instances whose lease ran out and hands them to
/// <see cref="TurnQueue.TakeOver"/>, which runs them in their conversations' order, before this instance's newer
/// queued turns of those conversations; replies those turns already sent are skipped as on a restart
/// (<see cref="InboxItem.Replied"/>). Nothing runs on SQLite (one process).
/// </summary>
public sealed partial class InboxTakeoverService(IInboxTakeover takeover, TurnQueue queue, TimeProvider time, ILogger<InboxTakeoverService> logger)
    : Threading.PeriodicWorker(time)
{
    private readonly Lock _gate = new();
    private long _taken;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override TimeSpan? Period => takeover.Interval;

    /// <summary>How many items this instance has taken over and queued since it started.</summary>
    public long TakenOver
    {
        get
        {
            lock (_gate)
            {
                return _taken;
            }
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> items have been taken over and queued (for a drain, and for tests).</summary>
    public async Task WhenTakenOverAsync(long count, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_taken >= count)
                {
                    return;
                }
                changed = _changed.Task;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (takeover.Interval is not null)
        {
            try
            {
                await CheckAsync(cancellationToken);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                OnTickFailed(exception); // taking over is not needed to start: the next tick tries again
            }
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>One check: claims what dead instances left and queues it; returns how many items were taken.</summary>
    public async Task<int> CheckAsync(CancellationToken cancellationToken)
    {
        var taken = await takeover.TakeOverAsync(cancellationToken);
        if (taken.Count > 0)
        {
            LogTakingOver(logger, taken.Count, taken.Select(i => i.Activity.Conversation?.Id).Distinct(StringComparer.Ordinal).Count(), taken.Sum(i => i.Replied.Count));
            queue.TakeOver(taken);
            TaskCompletionSource changed;
            lock (_gate)
            {
                _taken += taken.Count;
                (changed, _changed) = (_changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
            changed.TrySetResult();
        }
        return taken.Count;
    }

    protected override Task TickAsync(CancellationToken cancellationToken) => CheckAsync(cancellationToken);

    protected override void OnTickFailed(Exception exception) => LogCheckFailed(logger, exception);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Taking over {Count} inbox turns of {Conversations} conversations from instances whose lease ran out ({Replied} of their replies had reached the channel and are not sent again)")]
    private static partial void LogTakingOver(ILogger logger, int count, int conversations, int replied);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "The inbox takeover check failed; it is tried again at the next tick")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
