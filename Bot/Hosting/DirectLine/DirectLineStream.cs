using System.Net.WebSockets;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>One open Direct Line socket; sends are serialised (a WebSocket allows one send at a time).</summary>
internal sealed class DirectLineStream(WebSocket socket) : IDisposable
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
