using HandoffBot.Hosting;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>
/// Delivers the outbox after the commits that stored it, off every turn: woken by <see cref="OutboxSignal"/> after
/// each such commit, and by a periodic scan (<see cref="HandoffOptions.SweepInterval"/>) for retries and for rows a
/// crash left behind. Each round claims the oldest undelivered row of every destination (so one destination's
/// messages go out in order, and a failing row holds the later ones), sends them in parallel across destinations
/// through the adapter's proactive path, and marks them sent with their customer-transcript entries (stamped like a
/// turn's replies) in grouped commits (<see cref="SentMarks"/>). Each send waits for its slot in its conversation's
/// and channel endpoint's budget (<see cref="OutboxPacer"/>, <see cref="HandoffOptions.Pacing"/>). A 429 is throttling,
/// not a failure: the conversation is held until its Retry-After (other conversations are not) and the row is sent again
/// then, its attempts not counted. Failures are retried with back-off honouring Retry-After for as long as the row is
/// younger than <see cref="HandoffOptions.OutboxGiveUpAfter"/> (a hub away for minutes gets everything, in order, when it
/// is back); permanent ones (403, a bad request) and a row that old are marked failed and logged.
/// </summary>
public sealed partial class OutboxDispatcher(
    IHandoffOutbox outbox,
    OutboxSignal signal,
    ChannelAdapter adapter,
    IOptions<HandoffOptions> options,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private const int RoundSize = 512;
    private const int PerDestination = 32;

    private readonly SentMarks _sent = new(outbox, logger);
    private readonly OutboxPacer _pacer = new(options.Value.Pacing);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recovered = await outbox.RecoverAbandonedAsync(stoppingToken);
        if (recovered > 0)
        {
            LogRecovered(logger, recovered);
        }
        var scan = ScanAsync(stoppingToken);
        try
        {
            signal.Notify(); // rows left by the previous process
            while (await signal.Reader.WaitToReadAsync(stoppingToken))
            {
                Interlocked.Increment(ref _rounds); // before the signal is taken: WhenIdleAsync sees one or the other
                try
                {
                    signal.Reader.TryRead(out _);
                    await StartDueAsync(stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRoundFailed(logger, exception);
                }
                finally
                {
                    Interlocked.Decrement(ref _rounds);
                    Changed();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down: claimed rows are taken again once stale
        }
        try
        {
            await Task.WhenAll([scan, .. _inFlight.Keys]);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // senders stopped mid-send: their rows are taken again once stale
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, Sender> _inFlight = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _rounds;

    /// <summary>One destination's sender: whether it is waiting for a later time (its pacing slot, a hold) and until when.</summary>
    private sealed class Sender
    {
        private long _wakeAt = long.MaxValue; // not waiting

        public DateTimeOffset? WakeAt
        {
            get => Interlocked.Read(ref _wakeAt) is var at && at == long.MaxValue ? null : new DateTimeOffset(at, TimeSpan.Zero);
            set => Interlocked.Exchange(ref _wakeAt, value?.UtcTicks ?? long.MaxValue);
        }
    }

    /// <summary>
    /// Completes once no delivery is in flight or due: no claim round is pending or running, what was sending has been
    /// marked sent or undelivered, and every sender left is waiting for a time still to come (a pacing slot, a 429's
    /// hold), which only moving the clock ends. For tests on fake time: what moving the clock would start has started.
    /// </summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            var claiming = signal.Reader.Count > 0 || Volatile.Read(ref _rounds) > 0;
            var now = time.GetUtcNow();
            var busy = _inFlight.Where(s => s.Value.WakeAt is not { } at || at <= now).Select(s => s.Key).ToList();
            if (busy.Count == 0 && !claiming)
            {
                return;
            }
            await (claiming ? changed : Task.WhenAny(Task.WhenAll(busy), changed)).WaitAsync(cancellationToken);
        }
    }

    private void Changed() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits until <paramref name="at"/> on the injected clock, seen by <see cref="WhenIdleAsync"/> as waiting.</summary>
    private async Task WaitUntilAsync(Sender sender, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var wait = at - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }
        sender.WakeAt = at;
        Changed();
        try
        {
            await Task.Delay(wait, time, cancellationToken);
        }
        finally
        {
            sender.WakeAt = null;
        }
    }

    /// <summary>Waits until <paramref name="sends"/> requests into the activity's conversation fit its pacing and no hold lasts, and takes them.</summary>
    private async Task WaitForSlotAsync(Sender sender, Activity activity, int sends, CancellationToken cancellationToken)
    {
        while (!_pacer.TryTake(activity, sends, time.GetUtcNow(), out var retryAt))
        {
            await WaitUntilAsync(sender, retryAt, cancellationToken);
        }
    }

    private async Task ScanAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                signal.Notify();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>
    /// Claims what is due and starts one sender per destination without waiting for them: a slow or held destination
    /// (the hub) never delays another (a customer). Its claimed rows keep later rows of the destination out of the
    /// next claims; when a sender finishes it wakes the dispatcher for what came meanwhile.
    /// </summary>
    private async Task StartDueAsync(CancellationToken cancellationToken)
    {
        var claimedAt = time.GetUtcNow();
        var due = await outbox.ClaimDueAsync(claimedAt, RoundSize, PerDestination, cancellationToken);
        foreach (var destination in due.GroupBy(d => d.Message.Destination, StringComparer.Ordinal))
        {
            var state = new Sender();
            var sender = SendInOrderAsync([.. destination], claimedAt, state, cancellationToken);
            _inFlight[sender] = state;
            _ = sender.ContinueWith(t => _inFlight.TryRemove(t, out var _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// One destination's claimed rows, one after the other; the first failure gives the rest back unsent. Once the claim
    /// is older than <see cref="IHandoffOutbox.ClaimSafeFor"/> (a long hold, or this process was cut off from the
    /// database), each row is sent only while it is still this process's: another instance that took the rows over
    /// sends them, and they are not sent twice from here.
    /// </summary>
    private async Task SendInOrderAsync(IReadOnlyList<OutboxDelivery> rows, DateTimeOffset claimedAt, Sender sender, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var marks = new List<Task>(rows.Count);
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                if (outbox.ClaimSafeFor is { } safe && time.GetUtcNow() - claimedAt >= safe && !await outbox.IsStillClaimedAsync(rows[i], cancellationToken))
                {
                    LogTakenOver(logger, rows[i].Message.Key, rows.Count - i);
                    break;
                }
                if (await DeliverAsync(rows[i], sender, marks, cancellationToken) is false)
                {
                    await outbox.ReleaseAsync([.. rows.Skip(i + 1)], CancellationToken.None);
                    return;
                }
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogRoundFailed(logger, exception);
        }
        finally
        {
            await Task.WhenAll(marks);
        }
        signal.Notify();
    }

    /// <summary>
    /// Sends one row in its pacing slot; its "sent" mark (with the transcript entries, grouped with others by
    /// <see cref="SentMarks"/>) is added to <paramref name="marks"/>, not awaited before the next send. A 429 holds the
    /// conversation and sends the row again after the hold, without counting an attempt.
    /// </summary>
    private async Task<bool> DeliverAsync(OutboxDelivery delivery, Sender sender, List<Task> marks, CancellationToken cancellationToken)
    {
        var (message, activity) = (delivery.Message, delivery.Message.Activity);
        var reference = new ConversationReference
        {
            ChannelId = activity.ChannelId,
            ServiceUrl = activity.ServiceUrl,
            Conversation = activity.Conversation,
            Bot = activity.From,
            User = activity.Recipient,
        };
        using var span = HandoffBot.Telemetry.OutboxTelemetry.StartDelivery(delivery);
        try
        {
            IReadOnlyList<ResourceResponse> responses = [];
            var parts = message.ToCustomer ? ChannelFormatting.ForChannel(activity) : [activity];
            for (var throttled = 1; ; throttled++)
            {
                await WaitForSlotAsync(sender, activity, parts.Count, cancellationToken);
                try
                {
                    // Keyed by the row: a row sent but not marked before a kill is sent again after the restart,
                    // and a channel that drops repeats (our Direct Line) shows it once.
                    await adapter.ContinueConversationAsync(reference, message.Key, async (turn, ct) => responses = await turn.SendActivitiesAsync(parts, ct), cancellationToken);
                    break;
                }
                catch (ConnectorException exception) when (exception.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
                {
                    var until = time.GetUtcNow() + (exception.RetryAfter ?? Backoff(throttled));
                    _pacer.Hold(activity, until);
                    LogThrottled(logger, message.Key, until, throttled);
                }
            }
            var transcript = message.ToCustomer ? TranscriptMiddleware.StampSent(parts, responses, time.GetUtcNow()) : [];
            marks.Add(_sent.Add(new OutboxSent(delivery, responses.Count > 0 ? responses[0].Id : null, transcript)));
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var attempt = delivery.Attempts + 1;
            var permanent = exception is ConnectorException { IsForbidden: true } or ConnectorException { StatusCode: System.Net.HttpStatusCode.BadRequest } or ArgumentException;
            var givenUp = permanent || time.GetUtcNow() - delivery.StoredAt >= options.Value.OutboxGiveUpAfter;
            var delay = exception is ConnectorException { RetryAfter: { } retryAfter } ? retryAfter : Backoff(attempt);
            LogDeliveryFailed(logger, exception, message.Key, attempt, givenUp);
            HandoffBot.Telemetry.OutboxTelemetry.DeliveryFailed(span, exception, givenUp);
            await outbox.MarkUndeliveredAsync(delivery, time.GetUtcNow() + delay, exception.Message, givenUp, CancellationToken.None);
            return false;
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var delay = options.Value.OutboxRetryDelay * Math.Pow(2, Math.Min(attempt - 1, 10));
        return delay > options.Value.OutboxMaxRetryDelay ? options.Value.OutboxMaxRetryDelay : delay;
    }

    /// <summary>
    /// Marks delivered rows sent in as few commits as possible: while one commit is in flight, whatever is delivered
    /// meanwhile (any destination) waits and goes into the next one, in the order it was delivered. If a grouped commit
    /// fails, its rows are marked one by one, so one row that cannot be marked does not take the others with it; such a
    /// row stays "sending" (this process never sends it twice) and is sent again after a restart, like a crash mid-send.
    /// </summary>
    private sealed class SentMarks(IHandoffOutbox outbox, ILogger logger)
    {
        private const int MaxGroup = 256;
        private readonly System.Collections.Concurrent.ConcurrentQueue<(OutboxSent Sent, TaskCompletionSource Done)> _waiting = new();
        private int _committing;

        /// <summary>Queues the mark; completes once it is committed (or, having failed, logged).</summary>
        public Task Add(OutboxSent sent)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue((sent, done));
            if (Interlocked.CompareExchange(ref _committing, 1, 0) == 0)
            {
                _ = CommitWaitingAsync();
            }
            return done.Task;
        }

        private async Task CommitWaitingAsync()
        {
            while (true)
            {
                var group = new List<(OutboxSent Sent, TaskCompletionSource Done)>();
                while (group.Count < MaxGroup && _waiting.TryDequeue(out var next))
                {
                    group.Add(next);
                }
                if (group.Count > 0)
                {
                    await CommitAsync(group);
                    continue;
                }
                Volatile.Write(ref _committing, 0);
                // A mark queued after the last dequeue and before the flag was cleared found it still set: take it now.
                if (_waiting.IsEmpty || Interlocked.CompareExchange(ref _committing, 1, 0) != 0)
                {
                    return;
                }
            }
        }

        private async Task CommitAsync(List<(OutboxSent Sent, TaskCompletionSource Done)> group)
        {
            try
            {
                await outbox.MarkSentAsync([.. group.Select(g => g.Sent)], CancellationToken.None);
            }
            catch (Exception) when (group.Count > 1)
            {
                foreach (var one in group)
                {
                    await CommitAsync([one]);
                }
                return;
            }
            catch (Exception exception)
            {
                LogMarkFailed(logger, exception, group[0].Sent.Delivery.Message.Key);
            }
            foreach (var (_, done) in group)
            {
                done.TrySetResult();
            }
        }
    }

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "Handoff delivery {Key} was throttled (429, {Times} time(s) in a row); its conversation is held until {Until} and it is sent then (not counted as a failed attempt)")]
    private static partial void LogThrottled(ILogger logger, string key, DateTimeOffset until, int times);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Error, Message = "Handoff delivery {Key} was sent but could not be marked sent; it stays in flight and is sent again after a restart")]
    private static partial void LogMarkFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(EventId = 4200, Level = LogLevel.Warning, Message = "Handoff delivery {Key} failed (attempt {Attempt}, given up: {GivenUp})")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string key, int attempt, bool givenUp);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "{Count} outbox deliveries were in flight when the last process stopped; they are sent again (their channel may have them already)")]
    private static partial void LogRecovered(ILogger logger, int count);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "Handoff delivery {Key} and the {Count} row(s) from it on were taken over by another instance while this one could not renew its lease; they are not sent from here")]
    private static partial void LogTakenOver(ILogger logger, string key, int count);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Error, Message = "An outbox delivery round failed; the next signal or scan tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
