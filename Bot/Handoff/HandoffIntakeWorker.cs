using System.Threading.Channels;
using HandoffBot.AgentHub;

namespace HandoffBot.Handoff;

/// <summary>
/// Handoffs opened by customer turns whose commit is done, waiting for the slow part of intake (routing, the hub's
/// announcement, the first offer). Bounded; a handoff whose signal is lost (the queue full, a crash) is still picked
/// up: the routing engine is rebuilt from the store on start and the sweep announces what is not announced.
/// </summary>
public sealed class HandoffIntakeQueue
{
    private readonly Channel<OpenedHandoff> _opened = Channel.CreateBounded<OpenedHandoff>(new BoundedChannelOptions(4096)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    /// <summary>
    /// Queues the after-commit work of <paramref name="handoffId"/> (never blocks the turn; false when full);
    /// <paramref name="announced"/>: the opening commit held the hub's announcement already.
    /// </summary>
    public bool Post(string handoffId, bool announced = false) => _opened.Writer.TryWrite(new OpenedHandoff(handoffId, announced));

    internal ChannelReader<OpenedHandoff> Reader => _opened.Reader;
}

internal readonly record struct OpenedHandoff(string Id, bool Announced);

/// <summary>
/// Runs the after-commit part of intake, off the customer's turn: the hub's announcement as soon as a handoff's commit
/// is done, then <see cref="HandoffCoordinator.OnOpenedAsync"/> (routing, the first offer; its own announcement finds
/// the handoff announced and does nothing). Announcements of a batch go out while the previous batch is still being
/// routed; routing stays one batch after the other, and a batch is routed only once its announcements are stored, so
/// an offer never reaches the hub before its handoff's announcement. (Measured under a 500-trigger burst: waiting for
/// the previous batch's routing and offers was the largest part of what follows the turn, see docs/handoff-core.md.)
/// </summary>
internal sealed partial class HandoffIntakeWorker(
    HandoffIntakeQueue queue, HandoffCoordinator coordinator, IHandoffStore store, HandoffPacketBuilder packets, HubNotifier hub, ILogger<HandoffIntakeWorker> logger) : BackgroundService
{
    private const int MaxBatch = 256;

    /// <summary>Batches announced but not yet routed; beyond this the worker waits before taking more.</summary>
    private const int MaxAhead = 8;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var routed = new Queue<Task>();
        try
        {
            var reader = queue.Reader;
            var previous = Task.CompletedTask;
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var batch = new List<OpenedHandoff>(MaxBatch);
                while (batch.Count < MaxBatch && reader.TryRead(out var opened))
                {
                    batch.Add(opened);
                }
                // Once started, a stage runs to its end even when the host stops (CancellationToken.None): stopping
                // between a handoff's offer and the offer's message would leave an offer no agent was told of.
                previous = RouteAsync(batch, AnnounceAsync(batch), previous, stoppingToken);
                routed.Enqueue(previous);
                while (routed.Count > MaxAhead || (routed.Count > 0 && routed.Peek().IsCompleted))
                {
                    await routed.Dequeue();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down: what is left is restored from the store at the next start
        }
        await Task.WhenAll(routed); // the stages already started (they log their own failures)
    }

    /// <summary>Announces the batch's handoffs still queued (a failure is left to the sweep, which announces what is not).</summary>
    private async Task AnnounceAsync(List<OpenedHandoff> batch)
    {
        var cancellationToken = CancellationToken.None;
        try
        {
            await Task.WhenAll(batch.Where(o => !o.Announced).Select(async o =>
            {
                if (await store.GetAsync(o.Id, cancellationToken) is { Status: HandoffStatus.Queued } handoff)
                {
                    // A language model's summary (when one is configured) is written now, off the customer's turn, so
                    // the announcement carries it.
                    await hub.AnnounceAsync(await packets.RefineSummaryAsync(handoff, cancellationToken), cancellationToken);
                }
            }));
        }
        catch (Exception exception)
        {
            LogAnnounceFailed(logger, exception, batch.Count);
        }
    }

    /// <summary>
    /// Routes the batch after the previous batch's routing and this batch's announcements; not started once the host
    /// is stopping (the next start restores the queued handoffs from the store and routes them).
    /// </summary>
    private async Task RouteAsync(List<OpenedHandoff> batch, Task announced, Task previous, CancellationToken stoppingToken)
    {
        await announced;
        await previous;
        if (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        try
        {
            await coordinator.OnOpenedAsync([.. batch.Select(o => o.Id)], CancellationToken.None);
        }
        catch (Exception exception)
        {
            LogIntakeFailed(logger, exception, batch.Count);
        }
    }

    [LoggerMessage(EventId = 4401, Level = LogLevel.Error, Message = "The after-commit intake of {Count} handoff(s) failed; the sweep announces them and the next start routes them")]
    private static partial void LogIntakeFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Announcing {Count} handoff(s) right after their commit failed; the routing that follows and the sweep announce them")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception, int count);
}
