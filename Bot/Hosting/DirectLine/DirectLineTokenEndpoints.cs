using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Tokens: tokens/generate (secret), tokens/refresh (token) and the customer page's token endpoint.</summary>
public static partial class DirectLineEndpoints
{
    // POST tokens/generate (secret) -> {conversationId, token, expires_in}: a token for a conversation started later.
    private static async Task<IResult> GenerateAsync(HttpRequest request, DirectLineAccess access, DirectLineTokens tokens, CancellationToken cancellationToken)
    {
        if (!access.Caller.IsSecret)
        {
            return Problem(StatusCodes.Status403Forbidden, "Secret required", "tokens/generate needs the Direct Line secret; renew a token with tokens/refresh.");
        }
        var (parameters, bad) = await ReadOptionalJsonAsync(request, DirectLineJsonContext.Default.TokenParameters, cancellationToken);
        if (bad is not null)
        {
            return bad;
        }
        var userId = parameters?.User?.Id;
        if (userId is not null && UserIdProblem(userId) is { } badUser)
        {
            return badUser;
        }
        var conversationId = NewConversationId();
        return TypedResults.Json(
            new DirectLineToken(conversationId, tokens.Issue(conversationId, userId ?? DirectLineTokens.NewId("dl_")), tokens.ExpiresInSeconds),
            DirectLineJsonContext.Default.DirectLineToken);
    }

    // POST tokens/refresh (token) -> a new token for the same conversation and user.
    private static IResult Refresh(DirectLineAccess access, DirectLineTokens tokens)
    {
        var caller = access.Caller;
        if (caller.IsSecret)
        {
            return Problem(StatusCodes.Status400BadRequest, "Token required", "tokens/refresh renews a token: send the token, not the secret.");
        }
        return TypedResults.Json(
            new DirectLineToken(caller.ConversationId!, tokens.Issue(caller.ConversationId!, caller.UserId!), tokens.ExpiresInSeconds),
            DirectLineJsonContext.Default.DirectLineToken);
    }

    // POST /api/directline/token: the customer page's token, for a new conversation or (with its previous token) the same one.
    private static async Task<IResult> PageTokenAsync(
        HttpRequest request, DirectLineTokens tokens, IDirectLineStore store, IOptions<DirectLineOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, bad) = await ReadOptionalJsonAsync(request, DirectLineJsonContext.Default.PageTokenRequest, cancellationToken);
        if (bad is not null)
        {
            return bad;
        }
        if (body?.Token is { Length: > 0 } previous)
        {
            var check = await tokens.CheckAsync(previous);
            if (check.Status != TokenStatus.Invalid && check.ExpiresAt + options.Value.ResumeWindow > time.GetUtcNow())
            {
                var owner = await store.FindConversationAsync(check.ConversationId!, cancellationToken);
                if (owner is null || owner == check.UserId)
                {
                    return TypedResults.Json(
                        new PageToken(check.ConversationId!, tokens.Issue(check.ConversationId!, check.UserId!), tokens.ExpiresInSeconds, check.UserId!, owner is not null),
                        DirectLineJsonContext.Default.PageToken);
                }
            }
        }
        var conversationId = NewConversationId();
        var userId = DirectLineTokens.NewId("dl_");
        return TypedResults.Json(
            new PageToken(conversationId, tokens.Issue(conversationId, userId), tokens.ExpiresInSeconds, userId, false),
            DirectLineJsonContext.Default.PageToken);
    }
}
