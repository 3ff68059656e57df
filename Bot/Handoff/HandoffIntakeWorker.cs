using System.Threading.Channels;

namespace HandoffBot.Handoff;

/// <summary>
/// Handoffs opened by customer turns whose commit is done, waiting for the slow part of intake (routing, the hub's
/// announcement, the first offer). Bounded; a handoff whose signal is lost (the queue full, a crash) is still picked
/// up: the routing engine is rebuilt from the store on start and the sweep announces what is not announced.
/// </summary>
public sealed class HandoffIntakeQueue
{
    private readonly Channel<string> _opened = Channel.CreateBounded<string>(new BoundedChannelOptions(4096)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    /// <summary>Queues the after-commit work of <paramref name="handoffId"/> (never blocks the turn; false when full).</summary>
    public bool Post(string handoffId) => _opened.Writer.TryWrite(handoffId);

    internal ChannelReader<string> Reader => _opened.Reader;
}

/// <summary>Runs the after-commit part of intake, off the customer's turn: <see cref="HandoffCoordinator.OnOpenedAsync"/>.</summary>
internal sealed partial class HandoffIntakeWorker(HandoffIntakeQueue queue, HandoffCoordinator coordinator, ILogger<HandoffIntakeWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var reader = queue.Reader;
            var batch = new List<string>(MaxBatch);
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                // Everything opened meanwhile in one go: announcements written together, one routing round for all.
                while (batch.Count < MaxBatch && reader.TryRead(out var handoffId))
                {
                    batch.Add(handoffId);
                }
                try
                {
                    await coordinator.OnOpenedAsync(batch, stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogIntakeFailed(logger, exception, batch.Count);
                }
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down: what is left is restored from the store at the next start
        }
    }

    private const int MaxBatch = 256;

    [LoggerMessage(EventId = 4401, Level = LogLevel.Error, Message = "The after-commit intake of {Count} handoff(s) failed; the sweep announces them and the next start routes them")]
    private static partial void LogIntakeFailed(ILogger logger, Exception exception, int count);
}
