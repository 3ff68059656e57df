using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>
/// The live side of Direct Line: gives each stored activity its id, timestamp and position (the watermark) under a
/// per-conversation lock, and pushes it to that conversation's one WebSocket. A new socket replaces the old one and
/// first receives everything after its watermark, so a reconnecting client misses nothing and sees nothing twice.
/// </summary>
public sealed partial class DirectLineHub(IDirectLineStore store, TimeProvider time, IOptions<DirectLineOptions> options, ILogger<DirectLineHub> logger)
{
    public const string ChannelId = "directline";

    private const int BacklogPage = 500;
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    public ChannelAccount Bot { get; } = new() { Id = options.Value.BotId, Name = options.Value.BotName, Role = RoleTypes.Bot };

    /// <summary>Stores the activity with a new id and timestamp and pushes it to the stream. Returns the stored activity.</summary>
    public async Task<Activity> AppendAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(conversationId, _ => new Slot());
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            if (slot.LastPosition < 0)
            {
                slot.LastPosition = await store.LastPositionAsync(conversationId, cancellationToken);
            }
            var position = slot.LastPosition + 1;
            var stored = activity with
            {
                Id = $"{conversationId}|{position:D7}",
                Timestamp = time.GetUtcNow(),
                ChannelId = ChannelId,
                Conversation = activity.Conversation ?? new ConversationAccount { Id = conversationId },
            };
            await store.AppendAsync(conversationId, position, stored, cancellationToken);
            slot.LastPosition = position;
            await PushAsync(conversationId, slot, [stored], position);
            return stored;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Pushes an activity that is not stored (typing) to the stream, if one is open.</summary>
    public async Task PushTransientAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        if (!_slots.TryGetValue(conversationId, out var slot))
        {
            return;
        }
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            var transient = activity with { Timestamp = time.GetUtcNow(), ChannelId = ChannelId };
            await PushAsync(conversationId, slot, [transient], Math.Max(slot.LastPosition, 0));
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    public async Task<bool> ReplaceAsync(string conversationId, Activity activity, CancellationToken cancellationToken)
    {
        if (!await store.ReplaceAsync(conversationId, activity, cancellationToken))
        {
            return false;
        }
        if (_slots.TryGetValue(conversationId, out var slot))
        {
            await slot.Gate.WaitAsync(cancellationToken);
            try
            {
                await PushAsync(conversationId, slot, [activity], Math.Max(slot.LastPosition, 0));
            }
            finally
            {
                slot.Gate.Release();
            }
        }
        return true;
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
        var slot = _slots.GetOrAdd(conversationId, _ => new Slot());
        var stream = new Stream(socket);
        Stream? replaced;
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            replaced = slot.Stream;
            slot.Stream = null;
            var position = watermark;
            while (true)
            {
                var page = await store.ReadAfterAsync(conversationId, position, BacklogPage, cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }
                position = page[^1].Position;
                await stream.SendAsync(Serialize([.. page.Select(p => p.Activity)], position), cancellationToken);
            }
            slot.LastPosition = Math.Max(slot.LastPosition, position);
            slot.Stream = stream;
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
            }
            finally
            {
                slot.Gate.Release();
            }
            stream.Dispose();
            LogStreamClosed(logger, conversationId);
        }
    }

    private async Task KeepAliveAsync(Stream stream, CancellationToken cancellationToken)
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

    private async Task PushAsync(string conversationId, Slot slot, IReadOnlyList<Activity> activities, long watermark)
    {
        if (slot.Stream is not { } stream)
        {
            return;
        }
        // A client that stops reading must not hold the conversation's lock: give up after a while (it can reconnect).
        using var timeout = new CancellationTokenSource(SendTimeout, time);
        if (!await stream.SendAsync(Serialize(activities, watermark), timeout.Token))
        {
            LogPushFailed(logger, conversationId);
            slot.Stream = null;
        }
    }

    private static byte[] Serialize(IReadOnlyList<Activity> activities, long watermark) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new ActivitySet(activities, watermark.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            DirectLineJsonContext.Default.ActivitySet);

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>-1 until read from the store.</summary>
        public long LastPosition { get; set; } = -1;

        public Stream? Stream { get; set; }
    }

    /// <summary>One open socket; sends are serialised (a WebSocket allows one send at a time).</summary>
    private sealed class Stream(WebSocket socket) : IDisposable
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public async Task<bool> SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            try
            {
                await _send.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            try
            {
                if (socket.State != WebSocketState.Open)
                {
                    return false;
                }
                await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                return true;
            }
            catch (Exception exception) when (exception is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                return false;
            }
            finally
            {
                _send.Release();
            }
        }

        public async Task CloseAsync(WebSocketCloseStatus status, string? reason)
        {
            await _send.WaitAsync(CancellationToken.None);
            try
            {
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.CloseOutputAsync(status, reason, timeout.Token);
                }
            }
            catch (Exception exception) when (exception is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
            {
            }
            finally
            {
                _send.Release();
            }
        }

        public void Dispose() => _send.Dispose();
    }

    [LoggerMessage(EventId = 1310, Level = LogLevel.Debug, Message = "Direct Line stream opened for {ConversationId} from watermark {Watermark}")]
    private static partial void LogStreamOpened(ILogger logger, string conversationId, long watermark);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Debug, Message = "Direct Line stream closed for {ConversationId}")]
    private static partial void LogStreamClosed(ILogger logger, string conversationId);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Information, Message = "Direct Line stream for {ConversationId} replaced by a newer connection")]
    private static partial void LogStreamReplaced(ILogger logger, string conversationId);

    [LoggerMessage(EventId = 1313, Level = LogLevel.Information, Message = "Direct Line push to {ConversationId} failed; the client gets it by reconnecting with its watermark")]
    private static partial void LogPushFailed(ILogger logger, string conversationId);
}

/// <summary>Delivers the bot's activities for channel <c>directline</c> into the conversation's log and stream.</summary>
internal sealed class DirectLineTransport(DirectLineHub hub) : IChannelTransport, IActivitySink
{
    public bool Handles(Activity activity) => string.Equals(activity.ChannelId, DirectLineHub.ChannelId, StringComparison.OrdinalIgnoreCase);

    public IActivitySink Sink => this;

    public async Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        var responses = new ResourceResponse[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            var activity = activities[i];
            var conversationId = activity.Conversation?.Id ?? throw new InvalidOperationException("A Direct Line activity needs conversation.id.");
            if (activity.IsType(ActivityTypes.Typing))
            {
                await hub.PushTransientAsync(conversationId, activity, cancellationToken);
                responses[i] = new ResourceResponse(null);
                continue;
            }
            var stored = await hub.AppendAsync(conversationId, activity with { From = activity.From ?? hub.Bot }, cancellationToken);
            responses[i] = new ResourceResponse(stored.Id);
        }
        return responses;
    }

    public async Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken)
    {
        var conversationId = activity.Conversation?.Id ?? throw new InvalidOperationException("A Direct Line activity needs conversation.id.");
        if (activity.Id is null || !await hub.ReplaceAsync(conversationId, activity, cancellationToken))
        {
            throw new InvalidOperationException($"Activity '{activity.Id}' is not in Direct Line conversation '{conversationId}'.");
        }
        return new ResourceResponse(activity.Id);
    }

    public Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Direct Line clients have no way to remove a delivered activity.");
}
