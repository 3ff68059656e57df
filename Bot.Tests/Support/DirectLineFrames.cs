using System.Net.WebSockets;
using System.Text.Json;
using HandoffBot.Hosting.DirectLine;

namespace HandoffBot.Tests.Support;

/// <summary>Reads the messages of a Direct Line stream as a client does: <c>{"activities":[...],"watermark":"N"}</c>, keep-alives empty.</summary>
public static class DirectLineFrames
{
    /// <summary>The next message's activity set; null for a keep-alive. Fails the test on a close.</summary>
    public static async Task<ActivitySet?> ReadAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(buffer);
        var count = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), cancellationToken);
            count += result.Count;
        }
        while (!result.EndOfMessage);
        Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
        return count == 0 ? null : JsonSerializer.Deserialize(buffer.AsSpan(0, count), DirectLineJsonContext.Default.ActivitySet)!;
    }
}
