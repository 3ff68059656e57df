using HandoffBot.Storage;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff.Events;

/// <summary>
/// Wakes this instance's <see cref="HandoffEventFeed"/> for the event-log lines other instances commit (PostgreSQL
/// only; with SQLite there is one process and its own commits signal the feed). A line's NOTIFY
/// (<see cref="IHandoffEventSubscriber"/>, the sequence only) wakes the feed unless it published that line already; the
/// feed then reads the log from its cursor, so a burst of notifications costs one read and nothing is skipped or shown
/// twice. Notifications can be lost (sent while the listener reconnects), so the feed also reads right after every
/// (re)connection and every <see cref="HandoffOptions.EventCatchUpInterval"/> on the injected clock; between those it
/// reads nothing while nobody commits.
/// </summary>
internal sealed class HandoffEventFollower(
    HandoffEventFeed feed, HandoffEventSignal signal, IOptions<HandoffOptions> options, IOptions<StorageOptions> storage, TimeProvider time)
    : BackgroundService, IHandoffEventSubscriber
{
    public void Appended(long sequence)
    {
        if (!feed.HasPublished(sequence))
        {
            signal.Notify();
        }
    }

    public void CatchUp() => signal.Notify();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!storage.Value.UsesPostgres)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.Value.EventCatchUpInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                CatchUp();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }
}
