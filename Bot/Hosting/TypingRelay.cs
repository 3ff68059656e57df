using System.Threading.Channels;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Hosting.DirectLine;
using HandoffBot.Storage;

namespace HandoffBot.Hosting;

/// <summary>
/// Shows here the typing other instances announce (PostgreSQL NOTIFY through <see cref="ITypingSubscriber"/>): a
/// customer typing in a handoff goes to this instance's console connections (the handoff is read for who may see it,
/// only when a connection is open here), the bot's or an agent's typing to the Direct Line stream of that conversation
/// if it is open here. Queued (the listener's thread returns at once); when the queue is full the oldest signal is
/// dropped, and nothing is caught up: typing is best effort and a late indicator is worse than none.
/// </summary>
internal sealed partial class TypingRelay(HandoffEventFeed feed, IHandoffStore store, DirectLineHub hub, ILogger<TypingRelay> logger)
    : BackgroundService, ITypingSubscriber
{
    private readonly Channel<TypingSignal> _heard =
        Channel.CreateBounded<TypingSignal>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Typing(TypingSignal signal) => _heard.Writer.TryWrite(signal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var signal in _heard.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ShowAsync(signal, stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogShowFailed(logger, exception, signal.SubjectId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    private async Task ShowAsync(TypingSignal signal, CancellationToken cancellationToken)
    {
        if (signal.Scope == TypingScope.DirectLine)
        {
            await hub.PushTypingHeardAsync(signal, cancellationToken);
        }
        else if (feed.HasSubscribers && await store.GetWithoutPacketAsync(signal.SubjectId, cancellationToken) is { Status: HandoffStatus.WithAgent } handoff)
        {
            feed.PublishTypingHere(new HandoffTyping(handoff.Id, signal.FromRole), handoff);
        }
    }

    [LoggerMessage(EventId = 6031, Level = LogLevel.Debug, Message = "Could not show the typing another instance announced in {SubjectId}")]
    private static partial void LogShowFailed(ILogger logger, Exception exception, string subjectId);
}
