namespace HandoffBot.Hosting.DirectLine;

/// <summary>
/// The current Direct Line request's caller and, on the conversation routes, its conversation and the user who owns
/// it: resolved and checked once by <see cref="DirectLineAccessFilter"/> (TodoApi's CurrentUser shape), then read by
/// the endpoints. Scoped: one per request.
/// </summary>
public sealed class DirectLineAccess
{
    private DirectLineCaller? _caller;

    public DirectLineCaller Caller
    {
        get => _caller ?? throw new InvalidOperationException("The Direct Line caller is resolved by DirectLineAccessFilter; the endpoint is not behind it.");
        internal set => _caller = value;
    }

    /// <summary>The conversation of the route, checked: it exists and the caller may use it (null off the conversation routes).</summary>
    public string? ConversationId { get; internal set; }

    /// <summary>The user the conversation is bound to (null off the conversation routes).</summary>
    public string? OwnerId { get; internal set; }
}

/// <summary>Endpoint metadata: the endpoint also takes the token from the <c>t</c> query parameter (the stream URL; browsers cannot set headers on a WebSocket).</summary>
internal sealed class AcceptsQueryToken
{
    public static readonly AcceptsQueryToken Instance = new();
}

/// <summary>
/// Resolves the caller (the Direct Line secret or a token) for every endpoint of the group, and on routes with a
/// <c>{conversationId}</c> checks that the conversation exists and the token is bound to it. 401 without credentials,
/// 403 for an invalid, expired or foreign token, 404 for an unknown conversation.
/// </summary>
internal sealed class DirectLineAccessFilter(DirectLineTokens tokens, IDirectLineStore store, DirectLineAccess access) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var (caller, denied) = await AuthenticateAsync(http);
        if (denied is not null)
        {
            return denied;
        }
        access.Caller = caller!;
        if (http.Request.RouteValues.TryGetValue("conversationId", out var value) && value is string conversationId)
        {
            if (!caller!.IsSecret && !string.Equals(caller.ConversationId, conversationId, StringComparison.Ordinal))
            {
                return DirectLineEndpoints.Problem(StatusCodes.Status403Forbidden, "Forbidden", "This token is for another conversation.");
            }
            if (await store.FindConversationAsync(conversationId, http.RequestAborted) is not { } owner)
            {
                return DirectLineEndpoints.Problem(StatusCodes.Status404NotFound, "Not found", $"No conversation '{conversationId}'.");
            }
            (access.ConversationId, access.OwnerId) = (conversationId, owner);
        }
        return await next(context);
    }

    private async Task<(DirectLineCaller? Caller, IResult? Problem)> AuthenticateAsync(HttpContext http)
    {
        var queryToken = http.GetEndpoint()?.Metadata.GetMetadata<AcceptsQueryToken>() is not null ? http.Request.Query["t"].ToString() : null;
        var presented = queryToken is { Length: > 0 } ? queryToken : BearerOf(http.Request);
        if (presented is null)
        {
            return (null, DirectLineEndpoints.Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "Send 'Authorization: Bearer <Direct Line secret or token>'."));
        }
        if (tokens.IsSecret(presented))
        {
            return (new DirectLineCaller(true, null, null, null, null), null);
        }
        var check = await tokens.CheckAsync(presented);
        return check.Status switch
        {
            TokenStatus.Valid => (new DirectLineCaller(false, check.ConversationId, check.UserId, presented, check.ExpiresAt), null),
            TokenStatus.Expired => (null, DirectLineEndpoints.Problem(StatusCodes.Status403Forbidden, "Token expired", "The Direct Line token has expired; get a new one.")),
            _ => (null, DirectLineEndpoints.Problem(StatusCodes.Status403Forbidden, "Forbidden", "The Direct Line token or secret is not valid.")),
        };
    }

    private static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header[7..].Trim() is { Length: > 0 } value ? value : null;
    }
}

internal static class DirectLineCallerExtensions
{
    public static int ExpiresIn(this DirectLineCaller caller, TimeProvider time) =>
        caller.ExpiresAt is { } at ? Math.Max(0, (int)(at - time.GetUtcNow()).TotalSeconds) : 0;
}
