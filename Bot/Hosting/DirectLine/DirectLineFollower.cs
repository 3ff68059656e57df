using System.Threading.Channels;
using HandoffBot.Storage;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>
/// Brings the streams open on this instance the activities other instances store (PostgreSQL only; with SQLite there
/// is one process and nothing to follow). Appends and replacements other instances commit arrive through NOTIFY
/// (<see cref="IDirectLineChangeSubscriber"/>), are queued here and handed to <see cref="DirectLineHub"/>, which reads
/// them from the store after each stream's cursor. Notifications can be lost (nobody listening, a full queue), so
/// after every (re)connection of the listener and every <see cref="DirectLineOptions.CatchUpInterval"/> on the
/// injected clock every open stream compares its cursor with its conversation's last position.
/// </summary>
internal sealed partial class DirectLineFollower(
    DirectLineHub hub, IOptions<DirectLineOptions> options, IOptions<StorageOptions> storage, TimeProvider time, ILogger<DirectLineFollower> logger)
    : BackgroundService, IDirectLineChangeSubscriber
{
    private const int MaxBatch = 256;

    private readonly Channel<(string Conversation, long Position, bool Replaced)?> _changes =
        Channel.CreateBounded<(string, long, bool)?>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private int _catchUp;

    public void Appended(string conversationId, long position) => Queue((conversationId, position, false));

    public void Replaced(string conversationId, long position) => Queue((conversationId, position, true));

    public void CatchUp()
    {
        Interlocked.Exchange(ref _catchUp, 1);
        _changes.Writer.TryWrite(null); // wakes the reader; when full it is awake anyway
    }

    private void Queue((string, long, bool) change)
    {
        if (!_changes.Writer.TryWrite(change))
        {
            CatchUp(); // full: the catch-up reads whatever was dropped
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        storage.Value.UsesPostgres ? Task.WhenAll(FollowAsync(stoppingToken), TickAsync(stoppingToken)) : Task.CompletedTask;

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CatchUpInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                CatchUp();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task FollowAsync(CancellationToken stoppingToken)
    {
        var reader = _changes.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var appended = new Dictionary<string, long>(StringComparer.Ordinal);
                var replaced = new List<(string Conversation, long Position)>();
                for (var n = 0; n < MaxBatch && reader.TryRead(out var change); n++)
                {
                    if (change is not var (conversation, position, isReplacement))
                    {
                        continue;
                    }
                    if (isReplacement)
                    {
                        replaced.Add((conversation, position));
                    }
                    else
                    {
                        appended[conversation] = Math.Max(position, appended.GetValueOrDefault(conversation));
                    }
                }
                await ApplyAsync(appended, replaced, Interlocked.Exchange(ref _catchUp, 0) == 1, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>Appends first (each stream up to the highest position heard, in order), then replacements of what the streams already had.</summary>
    private async Task ApplyAsync(Dictionary<string, long> appended, List<(string Conversation, long Position)> replaced, bool everything, CancellationToken stoppingToken)
    {
        try
        {
            if (everything)
            {
                await hub.CatchUpAllAsync(stoppingToken);
            }
            await Task.WhenAll(appended.Select(a => hub.CatchUpAsync(a.Key, a.Value, stoppingToken)));
            foreach (var (conversation, position) in replaced)
            {
                await hub.PushReplacedAsync(conversation, position, stoppingToken);
            }
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            LogFollowFailed(logger, exception, appended.Count + replaced.Count);
        }
    }

    [LoggerMessage(EventId = 1314, Level = LogLevel.Warning, Message = "Bringing {Count} Direct Line change(s) of other instances to the streams failed; the next catch-up reads them from the store")]
    private static partial void LogFollowFailed(ILogger logger, Exception exception, int count);
}
