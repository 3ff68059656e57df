using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using HandoffBot.Protocol;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>
/// The live side of Direct Line: stores each activity at the position the store allocates (the watermark; id
/// <c>{conversationId}|{position:D7}</c>) and pushes it to that conversation's one WebSocket, if one is open on this
/// instance. Each open stream has a cursor, the last position pushed to it: pushes go in position order, each once,
/// without gaps; anything after the cursor that this instance did not append itself (another instance on the same
/// PostgreSQL, told by NOTIFY, or found by the periodic catch-up: <see cref="DirectLineFollower"/>) is read from the
/// store. A new socket replaces the old one and first receives everything after its watermark, so a reconnecting
/// client misses nothing and sees nothing twice.
/// </summary>
public sealed partial class DirectLineHub(
    IDirectLineStore store, Storage.ITypingBroadcast typingBroadcast, TimeProvider time, IOptions<DirectLineOptions> options, ILogger<DirectLineHub> logger)
{
    public const string ChannelId = "directline";

    private const int BacklogPage = 500;
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    /// <summary>One per conversation with a stream open on this instance.</summary>
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    public ChannelAccount Bot { get; } = new() { Id = options.Value.BotId, Name = options.Value.BotName, Role = RoleTypes.Bot };

    /// <summary>The conversations with a stream open on this instance.</summary>
    internal IReadOnlyCollection<string> OpenConversations => [.. _slots.Where(s => s.Value.Stream is not null).Select(s => s.Key)];

    /// <summary>Stores the activity with a new id, timestamp and position and pushes it to the stream. Returns the stored activity.</summary>
    public async Task<Activity> AppendAsync(string conversationId, Activity activity, CancellationToken cancellationToken) =>
        (await AppendAsync(conversationId, activity, null, cancellationToken)).Activity;

    /// <summary>
    /// As <see cref="AppendAsync(string, Activity, CancellationToken)"/>; with a <paramref name="deliveryKey"/> (the
    /// sender's identity of the activity) an activity already stored under that key is returned as it was stored
    /// (same id and position) and neither stored nor pushed again: the sender may repeat a send it cannot tell
    /// arrived (a turn replayed after the process died) and the customer still sees it once.
    /// </summary>
    public async Task<DirectLineAppend> AppendAsync(string conversationId, Activity activity, string? deliveryKey, CancellationToken cancellationToken)
    {
        var appended = await store.AppendAsync(conversationId, deliveryKey, position => activity with
        {
            Id = $"{conversationId}|{position:D7}",
            Timestamp = time.GetUtcNow(),
            ChannelId = ChannelId,
            Conversation = activity.Conversation ?? new ConversationAccount { Id = conversationId },
        }, cancellationToken);
        if (!appended.Appended)
        {
            LogAlreadyDelivered(logger, conversationId, appended.Position);
            return appended;
        }
        var (position, stored) = (appended.Position, appended.Activity);
        if (_slots.TryGetValue(conversationId, out var slot))
        {
            // Stored: push it even if the caller gives up now (the gate is held briefly; a push has its own timeout).
            await slot.Gate.WaitAsync(CancellationToken.None);
            try
            {
                if (slot.Stream is not null && position > slot.Cursor)
                {
                    if (position == slot.Cursor + 1)
                    {
                        await PushAsync(conversationId, slot, [stored], position);
                    }
                    else
                    {
                        await CatchUpLockedAsync(conversationId, slot, CancellationToken.None); // earlier positions not pushed yet
                    }
                }
            }
            finally
            {
                slot.Gate.Release();
            }
        }
        return appended;
    }

    /// <summary>
    /// Pushes an activity that is not stored (typing) to the stream, if one is open here, and tells the other instances
    /// (on PostgreSQL: the conversation id and the sender's role and id), which push it to a stream of the conversation
    /// open there (<see cref="PushTransientHereAsync"/>). Best effort: never stored, never caught up.
    /// </summary>
    public async Task PushTransientAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        await PushTransientHereAsync(conversationId, activity, cancellationToken);
        await typingBroadcast.PublishAsync(
            new Storage.TypingSignal(Storage.TypingScope.DirectLine, conversationId, activity.From?.Role ?? RoleTypes.Bot, activity.From?.Id), cancellationToken);
    }

    /// <summary>Typing another instance announced: to the stream here, if open, from the bot's account when the bot sent it (as locally).</summary>
    internal Task PushTypingHeardAsync(Storage.TypingSignal signal, CancellationToken cancellationToken)
    {
        var from = signal.FromRole == RoleTypes.Bot && (signal.FromId is null || signal.FromId == Bot.Id)
            ? Bot
            : new ChannelAccount { Id = signal.FromId ?? signal.FromRole, Role = signal.FromRole };
        return PushTransientHereAsync(signal.SubjectId, new Activity { Type = ActivityTypes.Typing, From = from, Conversation = new ConversationAccount { Id = signal.SubjectId } }, cancellationToken);
    }

    /// <summary>Pushes an activity that is not stored (typing) to the stream, if one is open on this instance.</summary>
    private async Task PushTransientHereAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        if (!_slots.TryGetValue(conversationId, out var slot))
        {
            return;
        }
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            var transient = activity with { Timestamp = time.GetUtcNow(), ChannelId = ChannelId };
            await PushAsync(conversationId, slot, [transient], null);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Replaces a stored activity (an update) and pushes the new version to the stream if it already had the old one.</summary>
    public async Task<bool> ReplaceAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        if (await store.ReplaceAsync(conversationId, activity, cancellationToken) is not { } position)
        {
            return false;
        }
        await PushReplacedAsync(conversationId, position, activity, CancellationToken.None);
        return true;
    }

    /// <summary>
    /// Another instance replaced the activity at <paramref name="position"/>: the stream gets the new version if it
    /// already had the old one (otherwise the catch-up brings the new version in its turn).
    /// </summary>
    internal Task PushReplacedAsync(string conversationId, long position, CancellationToken cancellationToken) =>
        PushReplacedAsync(conversationId, position, null, cancellationToken);

    /// <summary>
    /// Pushes what the stream of <paramref name="conversationId"/> (if open here) has not had yet, up to at least
    /// <paramref name="position"/> (null: whatever the store holds), in order.
    /// </summary>
    internal async Task CatchUpAsync(string conversationId, long? position, CancellationToken cancellationToken)
    {
        if (!_slots.TryGetValue(conversationId, out var slot))
        {
            return;
        }
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            if (slot.Stream is not null && (position is null || position > slot.Cursor))
            {
                await CatchUpLockedAsync(conversationId, slot, cancellationToken);
            }
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Every stream open here that is behind its conversation's last position catches up (one store read for all, then one per stream behind).</summary>
    internal async Task CatchUpAllAsync(CancellationToken cancellationToken)
    {
        var open = OpenConversations;
        if (open.Count == 0)
        {
            return;
        }
        var last = await store.LastPositionsAsync(open, cancellationToken);
        await Task.WhenAll(last.Where(p => _slots.TryGetValue(p.Key, out var slot) && slot.Cursor < p.Value)
            .Select(p => CatchUpAsync(p.Key, p.Value, cancellationToken)));
    }

    /// <summary>Activities after the watermark and the new watermark, for polling clients.</summary>
    public async Task<ActivitySet> ReadAsync(string conversationId, long watermark, CancellationToken cancellationToken)
    {
        var page = await store.ReadAfterAsync(conversationId, watermark, BacklogPage, cancellationToken);
        // With nothing new the watermark stays, unless the client claims more than exists (then it resyncs to the end).
        var last = page.Count > 0 ? page[^1].Position : Math.Min(watermark, await store.LastPositionAsync(conversationId, cancellationToken));
        return new ActivitySet([.. page.Select(p => p.Activity)], last.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Serves one WebSocket until it closes: replaces the conversation's previous socket, sends the backlog after the
    /// watermark, then live activities and keep-alives. Incoming messages (the client's empty pings) are read and ignored.
    /// </summary>
    public async Task RunStreamAsync(string conversationId, WebSocket socket, long watermark, CancellationToken cancellationToken)
    {
        var stream = new DirectLineStream(socket);
        var slot = await TakeSlotAsync(conversationId, cancellationToken);
        DirectLineStream? replaced;
        try
        {
            replaced = slot.Stream;
            slot.Stream = null;
            var position = watermark;
            var any = false;
            while (true)
            {
                var page = await store.ReadAfterAsync(conversationId, position, BacklogPage, cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }
                (position, any) = (page[^1].Position, true);
                await stream.SendAsync(Serialize([.. page.Select(p => p.Activity)], position), cancellationToken);
            }
            // A client that claims more than exists resumes from the end, so nothing appended later is held back.
            slot.Cursor = any ? position : Math.Max(0, Math.Min(watermark, await store.LastPositionAsync(conversationId, cancellationToken)));
            slot.Stream = stream;
        }
        catch
        {
            CloseSlotLocked(conversationId, slot);
            throw;
        }
        finally
        {
            slot.Gate.Release();
        }
        if (replaced is not null)
        {
            LogStreamReplaced(logger, conversationId);
            await replaced.CloseAsync(WebSocketCloseStatus.NormalClosure, "Replaced by a newer connection.");
        }
        LogStreamOpened(logger, conversationId, watermark);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var keepAlive = KeepAliveAsync(stream, stop.Token);
        try
        {
            var buffer = new byte[1024];
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await stream.CloseAsync(WebSocketCloseStatus.NormalClosure, null);
                    break;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // The client went away or the server is stopping: nothing to tell anyone.
        }
        finally
        {
            await stop.CancelAsync();
            await keepAlive;
            await slot.Gate.WaitAsync(CancellationToken.None);
            try
            {
                if (ReferenceEquals(slot.Stream, stream))
                {
                    slot.Stream = null;
                }
                CloseSlotLocked(conversationId, slot);
            }
            finally
            {
                slot.Gate.Release();
            }
            stream.Dispose();
            LogStreamClosed(logger, conversationId);
        }
    }

    /// <summary>The conversation's slot with its gate held (a slot being removed by a closing stream is not taken).</summary>
    private async Task<Slot> TakeSlotAsync(string conversationId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var slot = _slots.GetOrAdd(conversationId, _ => new Slot());
            await slot.Gate.WaitAsync(cancellationToken);
            if (!slot.Removed)
            {
                return slot;
            }
            slot.Gate.Release();
        }
    }

    /// <summary>Forgets the slot once no stream uses it (the caller holds its gate).</summary>
    private void CloseSlotLocked(string conversationId, Slot slot)
    {
        if (slot.Stream is null && !slot.Removed)
        {
            slot.Removed = true;
            _slots.TryRemove(new KeyValuePair<string, Slot>(conversationId, slot));
        }
    }

    private async Task PushReplacedAsync(string conversationId, long position, Activity? activity, CancellationToken cancellationToken)
    {
        if (!_slots.TryGetValue(conversationId, out var slot))
        {
            return;
        }
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            if (slot.Stream is null || position > slot.Cursor)
            {
                return;
            }
            if (activity is null)
            {
                var page = await store.ReadAfterAsync(conversationId, position - 1, 1, cancellationToken);
                if (page.Count == 0 || page[0].Position != position)
                {
                    return;
                }
                activity = page[0].Activity;
            }
            await PushAsync(conversationId, slot, [activity], null);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Reads and pushes everything after the stream's cursor, page by page (the caller holds the gate).</summary>
    private async Task CatchUpLockedAsync(string conversationId, Slot slot, CancellationToken cancellationToken)
    {
        while (slot.Stream is not null)
        {
            var page = await store.ReadAfterAsync(conversationId, slot.Cursor, BacklogPage, cancellationToken);
            if (page.Count == 0 || !await PushAsync(conversationId, slot, [.. page.Select(p => p.Activity)], page[^1].Position) || page.Count < BacklogPage)
            {
                return;
            }
        }
    }

    private async Task KeepAliveAsync(DirectLineStream stream, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.KeepAliveInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await stream.SendAsync(ReadOnlyMemory<byte>.Empty, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Sends to the slot's stream (the caller holds the gate). With <paramref name="upTo"/> the activities are stored
    /// ones ending at that position, which becomes the cursor; without, the watermark sent is the cursor (typing,
    /// replacements). False when nothing was sent.
    /// </summary>
    private async Task<bool> PushAsync(string conversationId, Slot slot, IReadOnlyList<Activity> activities, long? upTo)
    {
        if (slot.Stream is not { } stream)
        {
            return false;
        }
        // A client that stops reading must not hold the conversation's lock: give up after a while (it can reconnect).
        using var timeout = new CancellationTokenSource(SendTimeout, time);
        if (!await stream.SendAsync(Serialize(activities, upTo ?? slot.Cursor), timeout.Token))
        {
            LogPushFailed(logger, conversationId);
            slot.Stream = null;
            return false;
        }
        if (upTo is { } position)
        {
            slot.Cursor = position;
        }
        return true;
    }

    private static byte[] Serialize(IReadOnlyList<Activity> activities, long watermark) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ActivitySet(activities, watermark.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            DirectLineJsonContext.Default.ActivitySet);

    [LoggerMessage(EventId = 1310, Level = LogLevel.Debug, Message = "Direct Line stream opened for {ConversationId} from watermark {Watermark}")]
    private static partial void LogStreamOpened(ILogger logger, string conversationId, long watermark);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Debug, Message = "Direct Line stream closed for {ConversationId}")]
    private static partial void LogStreamClosed(ILogger logger, string conversationId);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Information, Message = "Direct Line stream for {ConversationId} replaced by a newer connection")]
    private static partial void LogStreamReplaced(ILogger logger, string conversationId);

    [LoggerMessage(EventId = 1313, Level = LogLevel.Information, Message = "Direct Line push to {ConversationId} failed; the client gets it by reconnecting with its watermark")]
    private static partial void LogPushFailed(ILogger logger, string conversationId);

    [LoggerMessage(EventId = 1315, Level = LogLevel.Information, Message = "Direct Line activity for {ConversationId} already delivered at position {Position}; not stored or pushed again")]
    private static partial void LogAlreadyDelivered(ILogger logger, string conversationId, long position);
}
