using System.Collections.Concurrent;
using System.Threading.Channels;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting;

/// <summary>
/// Runs turns off the HTTP request. An activity is stored in the inbox before it is acknowledged; its turn's
/// commit marks it done, and items not done when the process stopped run again at start-up (before new ones).
/// Activities are partitioned by conversation into <see cref="MessagesOptions.QueuedTurnLanes"/> lanes, so the turns of
/// one conversation run one at a time and in arrival order while different conversations run in parallel. Items taken
/// over from a dead instance (<see cref="TakeOver"/>) run in their lane before any item queued there that has not
/// started yet: they are older than anything this instance accepted for their conversation since that instance died.
/// </summary>
public sealed partial class TurnQueue(Lazy<ChannelAdapter> adapters, IInboxStore inbox, IOptions<MessagesOptions> options, TimeProvider time, ILogger<TurnQueue> logger)
    : BackgroundService
{
    private readonly Channel<InboxItem>[] _partitions = [.. Enumerable.Range(0, options.Value.QueuedTurnLanes)
        .Select(_ => Channel.CreateBounded<InboxItem>(new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }))];

    // Per lane: items taken over from a dead instance, run before the lane's next queued item.
    private readonly ConcurrentQueue<InboxItem>[] _takenOver = [.. Enumerable.Range(0, options.Value.QueuedTurnLanes).Select(_ => new ConcurrentQueue<InboxItem>())];

    // Written to a lane to wake it for its taken-over items; not a turn.
    private static readonly InboxItem Wake = new(0, new Activity());

    private List<InboxItem>[] _recovered = [];
    private readonly Lock _idleGate = new();
    private int _outstanding;
    private TaskCompletionSource? _idle;

    /// <summary>
    /// Completes when every turn queued so far has run and committed (nothing waiting, nothing running): for a graceful
    /// drain, and for tests that read the store after a reply (the reply leaves before its turn's commit).
    /// </summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_idleGate)
        {
            if (_outstanding == 0)
            {
                return Task.CompletedTask;
            }
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    private void Track(int delta)
    {
        TaskCompletionSource? idle = null;
        lock (_idleGate)
        {
            _outstanding += delta;
            if (_outstanding == 0)
            {
                (idle, _idle) = (_idle, null);
            }
        }
        idle?.TrySetResult();
    }

    /// <summary>
    /// Stores <paramref name="activity"/> in the inbox and queues its turn. Completes once the activity is durable;
    /// a redelivered activity (same channel, conversation and id) is acknowledged without running again.
    /// </summary>
    public async ValueTask EnqueueAsync(Activity activity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activity);
        if (await inbox.AddAsync(activity, cancellationToken) is not { } item)
        {
            LogRedelivery(logger, activity.Id, activity.Conversation?.Id);
            return;
        }
        // The item is durable now: queue it even if the channel gives up on its request.
        Track(1);
        await _partitions[PartitionOf(activity)].Writer.WriteAsync(item, CancellationToken.None);
    }

    /// <summary>
    /// Queues the turns of <paramref name="items"/> (claimed from a dead instance, oldest first): each runs in its
    /// conversation's lane after the turn running there now and before the turns queued behind it.
    /// </summary>
    public void TakeOver(IReadOnlyList<InboxItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Track(items.Count);
        var lanes = new HashSet<int>();
        foreach (var item in items)
        {
            var lane = PartitionOf(item.Activity);
            _takenOver[lane].Enqueue(item);
            lanes.Add(lane);
        }
        foreach (var lane in lanes)
        {
            // A full lane is busy and looks at its taken-over items before its next turn anyway.
            _partitions[lane].Writer.TryWrite(Wake);
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var pending = await inbox.ReadPendingAsync(cancellationToken);
        _recovered = [.. _partitions.Select(_ => new List<InboxItem>())];
        Track(pending.Count);
        foreach (var item in pending)
        {
            _recovered[PartitionOf(item.Activity)].Add(item);
        }
        if (pending.Count > 0)
        {
            LogRecovering(logger, pending.Count, pending.Sum(i => i.Replied.Count));
        }
        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var adapter = adapters.Value;
        return Task.WhenAll(_partitions.Select((p, i) => DrainAsync(_recovered[i], _takenOver[i], p.Reader, adapter, stoppingToken)));
    }

    private int PartitionOf(Activity activity) =>
        (int)((uint)StringComparer.Ordinal.GetHashCode(activity.Conversation?.Id ?? string.Empty) % (uint)_partitions.Length);

    private async Task DrainAsync(List<InboxItem> recovered, ConcurrentQueue<InboxItem> takenOver, ChannelReader<InboxItem> reader, ChannelAdapter adapter, CancellationToken stoppingToken)
    {
        await Task.Yield();
        foreach (var item in recovered)
        {
            if (!await RunAsync(item, adapter, stoppingToken))
            {
                return;
            }
        }
        recovered.Clear();
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            while (takenOver.TryDequeue(out var older))
            {
                if (!await RunAsync(older, adapter, stoppingToken))
                {
                    return;
                }
            }
            if (reader.TryRead(out var item) && !ReferenceEquals(item, Wake) && !await RunAsync(item, adapter, stoppingToken))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs one turn; false when the queue is stopping (the item stays in the inbox for the next start). A turn that
    /// failed because the database is away runs again every <see cref="MessagesOptions.StorageRetryAfter"/> until it
    /// can (holding its lane, so its conversation's later turns keep their order); any other failure ends it.
    /// </summary>
    private async Task<bool> RunAsync(InboxItem item, ChannelAdapter adapter, CancellationToken stoppingToken)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await adapter.RunQueuedTurnAsync(item, stoppingToken);
                    return true;
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested && StorageFaults.IsUnavailable(exception))
                {
                    LogStorageUnavailable(logger, exception, item.Activity.Conversation?.Id, attempt, options.Value.StorageRetryAfter);
                }
                await Task.Delay(options.Value.StorageRetryAfter, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception exception)
        {
            LogQueuedTurnFailed(logger, exception, item.Activity.Conversation?.Id);
            return true;
        }
        finally
        {
            if (!stoppingToken.IsCancellationRequested)
            {
                Track(-1);
            }
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Queued turn for conversation {ConversationId} failed")]
    private static partial void LogQueuedTurnFailed(ILogger logger, Exception exception, string? conversationId);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Activity {ActivityId} of conversation {ConversationId} was delivered again; it is already in the inbox")]
    private static partial void LogRedelivery(ILogger logger, string? activityId, string? conversationId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Running {Count} inbox turns that did not finish before the last stop ({Replied} of their replies had reached the channel and are not sent again)")]
    private static partial void LogRecovering(ILogger logger, int count, int replied);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Queued turn for conversation {ConversationId} could not reach storage (attempt {Attempt}); it runs again in {RetryAfter}")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception, string? conversationId, int attempt, TimeSpan retryAfter);
}
