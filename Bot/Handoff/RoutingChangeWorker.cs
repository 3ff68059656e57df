using System.Threading.Channels;
using HandoffBot.Storage;

namespace HandoffBot.Handoff;

/// <summary>
/// Handoff changes other instances committed (PostgreSQL NOTIFY, ids only) reach the routing owner at once: queued
/// here by the listener, applied in batches by <see cref="RoutingOwnerService.ApplyChangesAsync"/> (the engine brought
/// in line with the store for those ids, then a dispatch round). A catch-up, or a queue that overflowed, compares
/// everything. The owner's periodic check stays the safety net for anything lost.
/// </summary>
internal sealed partial class RoutingChangeWorker(RoutingOwnerService owner, ILogger<RoutingChangeWorker> logger) : BackgroundService, IHandoffChangeSubscriber
{
    private const int MaxBatch = 256;

    private readonly Channel<string?> _changes = Channel.CreateBounded<string?>(new BoundedChannelOptions(4096)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private int _catchUp;
    private int _agents;

    public void Changed(string handoffId)
    {
        if (!_changes.Writer.TryWrite(handoffId))
        {
            CatchUp(); // full: compare everything once the queue drains
        }
    }

    public void AgentsChanged()
    {
        Interlocked.Exchange(ref _agents, 1);
        _changes.Writer.TryWrite(null);
    }

    public void CatchUp()
    {
        Interlocked.Exchange(ref _catchUp, 1);
        _changes.Writer.TryWrite(null); // wakes the reader; when full it is awake anyway
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _changes.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                while (ids.Count < MaxBatch && reader.TryRead(out var id))
                {
                    if (id is not null)
                    {
                        ids.Add(id);
                    }
                }
                var everything = Interlocked.Exchange(ref _catchUp, 0) == 1;
                var roster = Interlocked.Exchange(ref _agents, 0) == 1;
                if (ids.Count == 0 && !everything && !roster)
                {
                    continue;
                }
                try
                {
                    await owner.ApplyChangesAsync(everything ? null : ids, roster, stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogApplyFailed(logger, exception, ids.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    [LoggerMessage(EventId = 4406, Level = LogLevel.Error, Message = "Applying {Count} handoff change(s) of other instances failed; the next routing check compares everything")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, int count);
}
