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
            await foreach (var handoffId in queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await coordinator.OnOpenedAsync(handoffId, stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogIntakeFailed(logger, exception, handoffId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down: what is left is restored from the store at the next start
        }
    }

    [LoggerMessage(EventId = 4401, Level = LogLevel.Error, Message = "The after-commit intake of handoff {HandoffId} failed; the sweep announces it and the next start routes it")]
    private static partial void LogIntakeFailed(ILogger logger, Exception exception, string handoffId);
}
