using System.Globalization;
using System.Text.Json;
using HandoffBot.Handoff.Events;

namespace HandoffBot.AgentConsole;

/// <summary>
/// <c>GET /agent/api/events</c>: the console's push channel as Server-Sent Events. Each committed handoff event the
/// user may see is one <c>handoff</c> event whose id is the event log's sequence; typing is a <c>typing</c> event
/// without an id. After a dropped connection the browser reconnects with <c>Last-Event-ID</c> (or the page passes
/// <c>?after=</c> from its last state) and gets what it missed from the store, once, in order. Any instance can serve
/// any connection: nothing lives in the connection but the cursor.
/// </summary>
internal static class ConsoleEventStream
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task StreamAsync(HttpContext http, ConsoleViews views, HandoffEventFeed feed, TimeProvider time, CancellationToken cancellationToken)
    {
        var viewer = await views.ViewerAsync(http.User, cancellationToken);
        var after = Cursor(http.Request) ?? await feed.CurrentAsync(cancellationToken);
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync("retry: 1000\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);

        await using var items = feed.SubscribeAsync(after, cancellationToken).GetAsyncEnumerator(cancellationToken);
        using var stopBeats = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var next = items.MoveNextAsync().AsTask();
        var beat = Task.Delay(Heartbeat, time, stopBeats.Token);
        var unflushed = false;
        try
        {
            while (true)
            {
                if (!next.IsCompleted && unflushed)
                {
                    await response.Body.FlushAsync(cancellationToken); // a burst of events goes out in one flush
                    unflushed = false;
                }
                if (!next.IsCompleted && await Task.WhenAny(next, beat) == beat)
                {
                    await response.WriteAsync(": ping\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    beat = Task.Delay(Heartbeat, time, stopBeats.Token);
                    continue;
                }
                if (!await next)
                {
                    return; // the feed dropped this subscriber (too far behind) or is stopping: the page reconnects
                }
                var item = items.Current;
                next = items.MoveNextAsync().AsTask();
                if (!views.CanHear(viewer, item))
                {
                    continue;
                }
                await response.Body.WriteAsync(Formatted.GetValue(item, Encoded), cancellationToken);
                unflushed = true;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the page went away
        }
        finally
        {
            await stopBeats.CancelAsync();
            await Quietly(next);
            await Quietly(beat);
        }
    }

    /// <summary>One event goes to many connections: it is formatted and encoded once.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HandoffFeedItem, byte[]> Formatted = [];

    private static byte[] Encoded(HandoffFeedItem item) => System.Text.Encoding.UTF8.GetBytes(Format(item));

    internal static string Format(HandoffFeedItem item)
    {
        if (item.Typing is { } typing)
        {
            return "event: typing\ndata: " + JsonSerializer.Serialize(new { handoffId = typing.HandoffId, from = typing.From }, JsonSerializerOptions.Web) + "\n\n";
        }
        var e = item.Event!;
        var data = JsonSerializer.Serialize(new
        {
            sequence = e.Sequence,
            handoffId = e.HandoffId,
            action = e.Entry.Action,
            status = e.Entry.To.ToString(),
            customer = item.Handoff is { } handoff ? HandoffBot.AgentHub.HandoffCard.CustomerName(handoff) : null,
            offeredTo = item.Handoff?.OfferedTo,
            agent = item.Handoff?.AgentId,
            line = ConsoleViews.Line(e, item.Handoff),
        }, JsonSerializerOptions.Web);
        return "id: " + e.Sequence.ToString(CultureInfo.InvariantCulture) + "\nevent: handoff\ndata: " + data + "\n\n";
    }

    private static long? Cursor(HttpRequest request)
    {
        var text = request.Headers["Last-Event-ID"].ToString();
        if (text.Length == 0)
        {
            text = request.Query["after"].ToString();
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var cursor) ? cursor : null;
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
