using HandoffBot.Protocol;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Conversations: start (secret or token) and reconnect (a fresh stream URL from a watermark).</summary>
public static partial class DirectLineEndpoints
{
    // POST conversations -> 201 when started now, 200 when the token's conversation already exists.
    private static async Task<IResult> StartAsync(
        HttpRequest request, DirectLineAccess access, DirectLineTokens tokens, IDirectLineStore store, DirectLineHub hub, ChannelAdapter adapter,
        TimeProvider time, ILogger<DirectLineHub> logger, CancellationToken cancellationToken)
    {
        var (parameters, bad) = await ReadOptionalJsonAsync(request, DirectLineJsonContext.Default.TokenParameters, cancellationToken);
        if (bad is not null)
        {
            return bad;
        }
        var caller = access.Caller;
        string conversationId, userId, token;
        int expiresIn;
        if (caller.IsSecret)
        {
            userId = parameters?.User?.Id ?? DirectLineTokens.NewId("dl_");
            if (UserIdProblem(userId) is { } badUser)
            {
                return badUser;
            }
            conversationId = NewConversationId();
            token = tokens.Issue(conversationId, userId);
            expiresIn = tokens.ExpiresInSeconds;
        }
        else
        {
            (conversationId, userId, token) = (caller.ConversationId!, caller.UserId!, caller.Token!);
            expiresIn = caller.ExpiresIn(time);
        }

        var created = await store.CreateConversationAsync(conversationId, userId, time.GetUtcNow(), cancellationToken);
        if (created)
        {
            var user = new ChannelAccount { Id = userId, Name = parameters?.User?.Name, Role = RoleTypes.User };
            var joined = new Activity
            {
                Type = ActivityTypes.ConversationUpdate,
                Id = DirectLineTokens.NewId("cu_"),
                Timestamp = time.GetUtcNow(),
                ChannelId = DirectLineHub.ChannelId,
                ServiceUrl = ServiceUrl(request),
                Conversation = new ConversationAccount { Id = conversationId },
                From = user,
                Recipient = hub.Bot,
                MembersAdded = [hub.Bot, user],
            };
            if (await DeliverAsync(adapter, joined, logger, cancellationToken) is { } failed)
            {
                return failed;
            }
        }
        var body = new DirectLineConversation(conversationId, token, expiresIn, StreamUrl(request, conversationId, token, null));
        return created
            ? TypedResults.Json(body, DirectLineJsonContext.Default.DirectLineConversation, statusCode: StatusCodes.Status201Created)
            : TypedResults.Json(body, DirectLineJsonContext.Default.DirectLineConversation);
    }

    // GET conversations/{id}?watermark= -> the conversation with a fresh streamUrl (reconnect).
    private static IResult Reconnect(string? watermark, HttpRequest request, DirectLineAccess access, DirectLineTokens tokens, TimeProvider time)
    {
        if (!TryParseWatermark(watermark, out var position))
        {
            return BadWatermark();
        }
        var (caller, conversationId) = (access.Caller, access.ConversationId!);
        var token = caller.IsSecret ? tokens.Issue(conversationId, access.OwnerId!) : caller.Token!;
        var expiresIn = caller.IsSecret ? tokens.ExpiresInSeconds : caller.ExpiresIn(time);
        return TypedResults.Json(
            new DirectLineConversation(conversationId, token, expiresIn, StreamUrl(request, conversationId, token, position)),
            DirectLineJsonContext.Default.DirectLineConversation);
    }
}
