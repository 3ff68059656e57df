namespace HandoffBot.Threading;

/// <summary>
/// A background service that runs <see cref="TickAsync"/> on a <see cref="PeriodicTimer"/> of the injected
/// <see cref="TimeProvider"/> (fake time in tests). A failed tick is reported to <see cref="OnTickFailed"/> and the
/// work runs again at the next tick; stopping the host ends the loop quietly.
/// </summary>
public abstract class PeriodicWorker(TimeProvider time) : BackgroundService
{
    /// <summary>The period; null: there is nothing to do periodically.</summary>
    protected abstract TimeSpan? Period { get; }

    protected abstract Task TickAsync(CancellationToken cancellationToken);

    protected abstract void OnTickFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Period is not { } period)
        {
            return;
        }
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    OnTickFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }
}
