using System.Threading.Channels;
using HandoffBot.Protocol;

namespace HandoffBot.Hosting;

/// <summary>
/// Runs turns off the HTTP request. Activities are partitioned by conversation, so the turns of one conversation
/// run one at a time and in arrival order while different conversations run in parallel.
/// </summary>
public sealed partial class TurnQueue(IServiceProvider services, ILogger<TurnQueue> logger) : BackgroundService
{
    private readonly Channel<Activity>[] _partitions = [.. Enumerable.Range(0, Math.Max(2, Environment.ProcessorCount * 2))
        .Select(_ => Channel.CreateBounded<Activity>(new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }))];

    public ValueTask EnqueueAsync(Activity activity, CancellationToken cancellationToken)
    {
        var partition = (int)((uint)StringComparer.Ordinal.GetHashCode(activity.Conversation?.Id ?? string.Empty) % (uint)_partitions.Length);
        return _partitions[partition].Writer.WriteAsync(activity, cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var adapter = services.GetRequiredService<ChannelAdapter>();
        return Task.WhenAll(_partitions.Select(p => DrainAsync(p.Reader, adapter, stoppingToken)));
    }

    private async Task DrainAsync(ChannelReader<Activity> reader, ChannelAdapter adapter, CancellationToken stoppingToken)
    {
        await foreach (var activity in reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await adapter.RunQueuedTurnAsync(activity, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogQueuedTurnFailed(logger, exception, activity.Conversation?.Id);
            }
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Queued turn for conversation {ConversationId} failed")]
    private static partial void LogQueuedTurnFailed(ILogger logger, Exception exception, string? conversationId);
}
