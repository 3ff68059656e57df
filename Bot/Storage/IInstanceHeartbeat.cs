namespace HandoffBot.Storage;

/// <summary>Tells the other instances on a shared database that this one is alive (a lease renewed on a timer).</summary>
public interface IInstanceHeartbeat
{
    /// <summary>How often to beat; null: the provider needs no heartbeat (SQLite: one process).</summary>
    TimeSpan? Interval { get; }

    Task BeatAsync(CancellationToken cancellationToken);
}

internal sealed class NoInstanceHeartbeat : IInstanceHeartbeat
{
    public TimeSpan? Interval => null;

    public Task BeatAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Beats at start-up (before any claim) and then on a timer; a failed beat is logged and tried again at the next tick.</summary>
internal sealed partial class InstanceHeartbeatService(IInstanceHeartbeat heartbeat, TimeProvider time, ILogger<InstanceHeartbeatService> logger) : Threading.PeriodicWorker(time)
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (heartbeat.Interval is not null)
        {
            await heartbeat.BeatAsync(cancellationToken);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override TimeSpan? Period => heartbeat.Interval;

    protected override Task TickAsync(CancellationToken cancellationToken) => heartbeat.BeatAsync(cancellationToken);

    protected override void OnTickFailed(Exception exception) => LogBeatFailed(logger, exception);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "The instance heartbeat failed; it is tried again at the next tick (other instances take over this one's work once its lease runs out)")]
    private static partial void LogBeatFailed(ILogger logger, Exception exception);
}
