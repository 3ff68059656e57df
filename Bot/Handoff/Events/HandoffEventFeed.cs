using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace HandoffBot.Handoff.Events;

/// <summary>Wakes the <see cref="HandoffEventFeed"/> after a commit that added events (a signal, no data: the feed reads the log).</summary>
public sealed class HandoffEventSignal
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Notify() => _wake.Writer.TryWrite(true);

    internal ChannelReader<bool> Reader => _wake.Reader;
}

/// <summary>A typing indicator inside a handoff (never stored: it only matters while it is fresh).</summary>
public sealed record HandoffTyping(string HandoffId, string From);

/// <summary>What a subscriber of the feed receives: a committed event with the handoff as it is now, or a typing indicator.</summary>
public sealed record HandoffFeedItem(HandoffEvent? Event, HandoffRecord? Handoff, HandoffTyping? Typing);

/// <summary>
/// Publishes the handoff event log to live subscribers (the agent console's push connections). The log in the store
/// is the truth: the feed reads new events only when the <see cref="HandoffEventSignal"/> says so (this instance's
/// commits; on PostgreSQL also other instances' commits heard by NOTIFY, the listener's reconnection and a slow safety
/// net timer, see <see cref="HandoffEventFollower"/>), and fans them out in sequence order. A subscriber that comes
/// with the last sequence it saw first reads what it missed from the store, then continues live, without a gap or a
/// duplicate; one that falls too far behind is dropped and resumes the same way when it reconnects.
/// </summary>
public sealed partial class HandoffEventFeed(
    IHandoffEventLog log, IHandoffStore store, HandoffEventSignal signal, Storage.ITypingBroadcast typingBroadcast, ILogger<HandoffEventFeed> logger)
    : BackgroundService
{
    private const int BatchSize = 256;
    private const int SubscriberBuffer = 4096;

    private readonly Lock _gate = new();
    private readonly List<Channel<HandoffFeedItem>> _subscribers = [];
    private readonly SemaphoreSlim _pump = new(1, 1);
    private long _published = -1;

    /// <summary>
    /// Passes a typing indicator to the subscribers here now and tells the other instances (on PostgreSQL), whose feeds
    /// pass it to theirs (<see cref="PublishTypingHere"/>). Best effort: never stored, never caught up.
    /// </summary>
    public Task PublishTypingAsync(HandoffTyping typing, HandoffRecord handoff, CancellationToken cancellationToken)
    {
        PublishTypingHere(typing, handoff);
        return typingBroadcast.PublishAsync(new Storage.TypingSignal(Storage.TypingScope.Handoff, typing.HandoffId, typing.From, null), cancellationToken);
    }

    /// <summary>Whether a console connection is subscribed here (typing from elsewhere is only worth reading a handoff for then).</summary>
    internal bool HasSubscribers
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count > 0;
            }
        }
    }

    /// <summary>Passes a typing indicator to the subscribers of this instance now.</summary>
    internal void PublishTypingHere(HandoffTyping typing, HandoffRecord handoff)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(new HandoffFeedItem(null, handoff, typing));
            }
        }
    }

    /// <summary>Whether the line with this sequence was published already (a notification of it needs no read).</summary>
    internal bool HasPublished(long sequence)
    {
        lock (_gate)
        {
            return _published >= sequence;
        }
    }

    /// <summary>The newest sequence published (what a page loaded now has seen).</summary>
    public async Task<long> CurrentAsync(CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken);
        lock (_gate)
        {
            return _published;
        }
    }

    /// <summary>Every event after <paramref name="afterSequence"/>: first those in the store, then live ones, in order, each once.</summary>
    public async IAsyncEnumerable<HandoffFeedItem> SubscribeAsync(long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken);
        var subscriber = Channel.CreateBounded<HandoffFeedItem>(new BoundedChannelOptions(SubscriberBuffer) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        long live;
        lock (_gate)
        {
            _subscribers.Add(subscriber);
            live = _published;
        }
        try
        {
            var cursor = afterSequence;
            while (cursor < live)
            {
                var missed = await log.ReadAfterAsync(cursor, BatchSize, cancellationToken);
                var snapshots = await SnapshotsAsync(missed, cancellationToken);
                foreach (var missedEvent in missed.TakeWhile(e => e.Sequence <= live))
                {
                    cursor = missedEvent.Sequence;
                    yield return new HandoffFeedItem(missedEvent, snapshots.GetValueOrDefault(missedEvent.HandoffId), null);
                }
                if (missed.Count < BatchSize)
                {
                    break;
                }
            }
            cursor = Math.Max(cursor, live);
            await foreach (var item in subscriber.Reader.ReadAllAsync(cancellationToken))
            {
                if (item.Event is { } next)
                {
                    if (next.Sequence <= cursor)
                    {
                        continue;
                    }
                    cursor = next.Sequence;
                }
                yield return item;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(subscriber);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await EnsureStartedAsync(stoppingToken);
            while (await signal.Reader.WaitToReadAsync(stoppingToken))
            {
                signal.Reader.TryRead(out _); // before reading: a commit signalled during the read wakes the next round
                try
                {
                    await PumpAsync(stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogPumpFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            lock (_gate)
            {
                foreach (var subscriber in _subscribers)
                {
                    subscriber.Writer.TryComplete();
                }
            }
        }
    }

    /// <summary>Reads what was committed since the last publication and gives it to every subscriber.</summary>
    internal async Task PumpAsync(CancellationToken cancellationToken)
    {
        await _pump.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                long from;
                lock (_gate)
                {
                    from = _published;
                }
                var batch = await log.ReadAfterAsync(from, BatchSize, cancellationToken);
                if (batch.Count == 0)
                {
                    return;
                }
                var snapshots = await SnapshotsAsync(batch, cancellationToken);
                lock (_gate)
                {
                    foreach (var subscriber in _subscribers)
                    {
                        foreach (var next in batch)
                        {
                            if (!subscriber.Writer.TryWrite(new HandoffFeedItem(next, snapshots.GetValueOrDefault(next.HandoffId), null)))
                            {
                                // Too far behind: its connection ends and the page resumes from the store.
                                subscriber.Writer.TryComplete();
                                break;
                            }
                        }
                    }
                    _published = batch[^1].Sequence;
                }
                if (batch.Count < BatchSize)
                {
                    return;
                }
            }
        }
        finally
        {
            _pump.Release();
        }
    }

    private async Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_published >= 0)
            {
                return;
            }
        }
        var latest = await log.LatestSequenceAsync(cancellationToken);
        lock (_gate)
        {
            if (_published < 0)
            {
                _published = latest;
            }
        }
    }

    private async Task<Dictionary<string, HandoffRecord>> SnapshotsAsync(IReadOnlyList<HandoffEvent> events, CancellationToken cancellationToken)
    {
        var found = await Task.WhenAll(events.Select(e => e.HandoffId).Distinct(StringComparer.Ordinal).Select(id => store.GetWithoutPacketAsync(id, cancellationToken)));
        return found.OfType<HandoffRecord>().ToDictionary(h => h.Id, StringComparer.Ordinal);
    }

    public override void Dispose()
    {
        _pump.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 4500, Level = LogLevel.Error, Message = "Publishing handoff events failed; the next signal or catch-up tries again")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception);
}
