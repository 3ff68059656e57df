namespace HandoffBot.Hosting.DirectLine;

/// <summary>The stream: a WebSocket that first sends the backlog after the watermark, then live activities.</summary>
public static partial class DirectLineEndpoints
{
    // GET conversations/{id}/stream?t=token&watermark=N (WebSocket). The access filter reads the token from t.
    private static async Task<IResult> StreamAsync(
        string? watermark, HttpContext context, DirectLineAccess access, DirectLineHub hub, IHostApplicationLifetime lifetime)
    {
        if (!TryParseWatermark(watermark, out var position))
        {
            return BadWatermark();
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problem(StatusCodes.Status400BadRequest, "WebSocket required", "The stream URL must be opened as a WebSocket.");
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        await hub.RunStreamAsync(access.ConversationId!, socket, position, stopping.Token);
        return Results.Empty;
    }
}
