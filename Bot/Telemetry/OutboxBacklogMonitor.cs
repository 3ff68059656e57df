using HandoffBot.Handoff;
using Microsoft.Extensions.Options;

namespace HandoffBot.Telemetry;

/// <summary>
/// Reads the outbox's undelivered rows every <see cref="TelemetryOptions.BacklogInterval"/> into the
/// <c>handoffbot.outbox.backlog</c> gauge (by status: pending, sending, failed). A backlog that only grows means a
/// channel is down or rejecting the bot.
/// </summary>
internal sealed partial class OutboxBacklogMonitor(IHandoffOutbox outbox, IOptions<TelemetryOptions> options, TimeProvider time, ILogger<OutboxBacklogMonitor> logger)
    : BackgroundService
{
    private static readonly OutboxStatus[] Shown = [OutboxStatus.Pending, OutboxStatus.Sending, OutboxStatus.Failed];
    private static volatile IReadOnlyDictionary<OutboxStatus, int> s_latest = new Dictionary<OutboxStatus, int>();

    static OutboxBacklogMonitor() => BotTelemetry.Meter.CreateObservableGauge("handoffbot.outbox.backlog", Observe, "{message}",
        "Outbox messages not delivered yet, by status.");

    private static IEnumerable<System.Diagnostics.Metrics.Measurement<int>> Observe()
    {
        var latest = s_latest;
        return Shown.Select(status => new System.Diagnostics.Metrics.Measurement<int>(latest.GetValueOrDefault(status),
            new KeyValuePair<string, object?>("status", status.ToString().ToLowerInvariant())));
    }

    /// <summary>Reads the backlog now.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var items = await outbox.UndeliveredAsync(cancellationToken);
        s_latest = items.GroupBy(i => i.Status).ToDictionary(g => g.Key, g => g.Count());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.BacklogInterval, time);
        try
        {
            do
            {
                try
                {
                    await RefreshAsync(stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRefreshFailed(logger, exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    [LoggerMessage(EventId = 10000, Level = LogLevel.Warning, Message = "Reading the outbox backlog for the metrics failed; the next interval tries again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
