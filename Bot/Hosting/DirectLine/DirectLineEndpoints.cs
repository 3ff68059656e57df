using System.Globalization;
using System.Text.Json;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>
/// The Direct Line 3.0 REST and WebSocket surface under <c>/v3/directline</c>, plus <c>/api/directline/token</c>
/// where the customer page gets its token (the secret never leaves the server).
/// </summary>
public static partial class DirectLineEndpoints
{
    public const string BasePath = "/v3/directline";
    public const string PageTokenPath = "/api/directline/token";
    internal const string RateLimitPolicy = "directline";
    internal const string CorsPolicy = "directline";
    private const int MaxSmallBody = 16 * 1024;

    public static IEndpointRouteBuilder MapDirectLineEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(BasePath).RequireCors(CorsPolicy).RequireRateLimiting(RateLimitPolicy).DisableAntiforgery();
        group.MapPost("/tokens/generate", GenerateAsync);
        group.MapPost("/tokens/refresh", RefreshAsync);
        group.MapPost("/conversations", StartAsync);
        group.MapGet("/conversations/{conversationId}", ReconnectAsync);
        group.MapPost("/conversations/{conversationId}/activities", PostActivityAsync);
        group.MapGet("/conversations/{conversationId}/activities", GetActivitiesAsync);
        group.MapPost("/conversations/{conversationId}/upload", UploadAsync);
        group.MapGet("/conversations/{conversationId}/stream", StreamAsync);
        group.MapGet("/attachments/{attachmentId}", DownloadAsync);
        endpoints.MapPost(PageTokenPath, PageTokenAsync).RequireRateLimiting(RateLimitPolicies.Tokens).DisableAntiforgery();
        return endpoints;
    }

    // POST tokens/generate (secret) -> {conversationId, token, expires_in}: a token for a conversation started later.
    private static async Task<IResult> GenerateAsync(HttpRequest request, DirectLineTokens tokens, CancellationToken cancellationToken)
    {
        var (caller, denied) = await AuthenticateAsync(request, tokens);
        if (denied is not null)
        {
            return denied;
        }
        if (!caller!.IsSecret)
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
    private static async Task<IResult> RefreshAsync(HttpRequest request, DirectLineTokens tokens)
    {
        var (caller, denied) = await AuthenticateAsync(request, tokens);
        if (denied is not null)
        {
            return denied;
        }
        if (caller!.IsSecret)
        {
            return Problem(StatusCodes.Status400BadRequest, "Token required", "tokens/refresh renews a token: send the token, not the secret.");
        }
        return TypedResults.Json(
            new DirectLineToken(caller.ConversationId!, tokens.Issue(caller.ConversationId!, caller.UserId!), tokens.ExpiresInSeconds),
            DirectLineJsonContext.Default.DirectLineToken);
    }

    // POST conversations -> 201 when started now, 200 when the token's conversation already exists.
    private static async Task<IResult> StartAsync(
        HttpRequest request, DirectLineTokens tokens, IDirectLineStore store, DirectLineHub hub, ChannelAdapter adapter,
        TimeProvider time, ILogger<DirectLineHub> logger, CancellationToken cancellationToken)
    {
        var (caller, denied) = await AuthenticateAsync(request, tokens);
        if (denied is not null)
        {
            return denied;
        }
        var (parameters, bad) = await ReadOptionalJsonAsync(request, DirectLineJsonContext.Default.TokenParameters, cancellationToken);
        if (bad is not null)
        {
            return bad;
        }
        string conversationId, userId, token;
        int expiresIn;
        if (caller!.IsSecret)
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
    private static async Task<IResult> ReconnectAsync(
        string conversationId, string? watermark, HttpRequest request, DirectLineTokens tokens, IDirectLineStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var (caller, denied) = await AuthenticateAsync(request, tokens);
        if (denied is not null || (denied = await OpenAsync(caller!, conversationId, store, cancellationToken)) is not null)
        {
            return denied;
        }
        if (!TryParseWatermark(watermark, out var position))
        {
            return BadWatermark();
        }
        var token = caller!.IsSecret ? tokens.Issue(conversationId, (await store.FindConversationAsync(conversationId, cancellationToken))!) : caller.Token!;
        var expiresIn = caller.IsSecret ? tokens.ExpiresInSeconds : caller.ExpiresIn(time);
        return TypedResults.Json(
            new DirectLineConversation(conversationId, token, expiresIn, StreamUrl(request, conversationId, token, position)),
            DirectLineJsonContext.Default.DirectLineConversation);
    }

    // POST conversations/{id}/activities -> 200 {id}; the activity is echoed to the client with its id and timestamp.
    private static async Task<IResult> PostActivityAsync(
        string conversationId, HttpRequest request, DirectLineTokens tokens, IDirectLineStore store, DirectLineHub hub, ChannelAdapter adapter,
        IOptions<DirectLineOptions> options, ILogger<DirectLineHub> logger, CancellationToken cancellationToken)
    {
        var (caller, denied) = await AuthenticateAsync(request, tokens);
        if (denied is not null || (denied = await OpenAsync(caller!, conversationId, store, cancellationToken)) is not null)
        {
            return denied;
        }
        var read = await MessagesEndpoint.ReadBodyAsync(request, options.Value.MaxActivityBytes, cancellationToken);
        if (read.Problem is { } tooLarge)
        {
            return tooLarge;
        }
        Activity? activity;
        try
        {
            activity = read.Body.IsEmpty ? null : JsonSerializer.Deserialize(read.Body.Span, ProtocolJsonContext.Default.Activity);
        }
        catch (JsonException exception)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid activity", $"The body is not a valid activity{(exception.Path is { Length: > 1 } path ? $" at {path}" : string.Empty)}.");
        }
        if (activity is null || string.IsNullOrWhiteSpace(activity.Type))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid activity", "The body must be a JSON activity with a 'type'.");
        }
        return await AcceptFromUserAsync(conversationId, caller!, activity, request, store, hub, adapter, logger, cancellationToken);
    }

    // GET conversations/{id}/activities?watermark= -> {activities, watermark} (polling clients).
    private static async Task<IResult> GetActivitiesAsync(
        string conversationId, string? watermark, HttpRequest request, DirectLineTokens tokens, IDirectLineStore store, DirectLineHub hub, CancellationToken cancellationToken)
    {
        var (caller, denied) = await AuthenticateAsync(request, tokens);
        if (denied is not null || (denied = await OpenAsync(caller!, conversationId, store, cancellationToken)) is not null)
        {
            return denied;
        }
        if (!TryParseWatermark(watermark, out var position))
        {
            return BadWatermark();
        }
        return TypedResults.Json(await hub.ReadAsync(conversationId, position, cancellationToken), DirectLineJsonContext.Default.ActivitySet);
    }

    // POST conversations/{id}/upload?userId= (multipart): files become the message's attachments, served back by id.
    private static async Task<IResult> UploadAsync(
        string conversationId, string? userId, HttpContext context, DirectLineTokens tokens, IDirectLineStore store, DirectLineHub hub,
        ChannelAdapter adapter, IOptions<DirectLineOptions> options, DirectLineUploads uploads, ILogger<DirectLineHub> logger, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var (caller, denied) = await AuthenticateAsync(request, tokens);
        if (denied is not null || (denied = await OpenAsync(caller!, conversationId, store, cancellationToken)) is not null)
        {
            return denied;
        }
        if (!caller!.IsSecret && userId is { Length: > 0 } && userId != caller.UserId)
        {
            return Problem(StatusCodes.Status403Forbidden, "Wrong user", "userId does not match the user this token is bound to.");
        }
        var max = options.Value.MaxUploadBytes;
        if (request.ContentLength > max)
        {
            return UploadTooLarge(max);
        }
        if (!request.HasFormContentType)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid upload", "The upload must be multipart/form-data.");
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = max, ValueLengthLimit = options.Value.MaxActivityBytes }, cancellationToken);
        }
        catch (InvalidDataException)
        {
            return UploadTooLarge(max);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return UploadTooLarge(max);
        }
        catch (Exception exception) when (exception is BadHttpRequestException or IOException)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid upload", "The multipart body could not be read.");
        }

        Activity activity = new() { Type = ActivityTypes.Message };
        if (form.Files.GetFile("activity") is { } activityPart)
        {
            try
            {
                await using var json = activityPart.OpenReadStream();
                activity = await JsonSerializer.DeserializeAsync(json, ProtocolJsonContext.Default.Activity, cancellationToken) ?? activity;
            }
            catch (JsonException)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid upload", "The 'activity' part is not a valid activity.");
            }
        }
        else if (form.TryGetValue("activity", out var activityField) && activityField.ToString() is { Length: > 0 } activityJson)
        {
            try
            {
                activity = JsonSerializer.Deserialize(activityJson, ProtocolJsonContext.Default.Activity) ?? activity;
            }
            catch (JsonException)
            {
                return Problem(StatusCodes.Status400BadRequest, "Invalid upload", "The 'activity' field is not a valid activity.");
            }
        }
        var files = form.Files.Where(f => !string.Equals(f.Name, "activity", StringComparison.OrdinalIgnoreCase)).ToList();
        if (files.Count == 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid upload", "The upload has no file.");
        }
        if (files.Sum(f => f.Length) > max)
        {
            return UploadTooLarge(max);
        }
        var saved = await uploads.SaveAsync(conversationId, files, cancellationToken);
        var attachments = (activity.Attachments ?? []).Concat(saved.Select(a => new Attachment
        {
            ContentType = a.ContentType,
            ContentUrl = $"{request.Scheme}://{request.Host}{request.PathBase}{BasePath}/attachments/{a.Id}",
            Name = a.Name,
        }));
        activity = activity with { Type = activity.Type ?? ActivityTypes.Message, Attachments = [.. attachments] };
        return await AcceptFromUserAsync(conversationId, caller, activity, request, store, hub, adapter, logger, cancellationToken);
    }

    // GET attachments/{id}: the uploaded bytes with their content type. The id is unguessable, as in Azure's Direct Line.
    private static async Task<IResult> DownloadAsync(string attachmentId, HttpContext context, IDirectLineStore store, DirectLineUploads uploads, CancellationToken cancellationToken)
    {
        if (!DirectLineUploads.IsWellFormedId(attachmentId) || await store.FindAttachmentAsync(attachmentId, cancellationToken) is not { } attachment
            || uploads.PathOf(attachment.Id) is not { } path)
        {
            return Problem(StatusCodes.Status404NotFound, "Not found", $"No attachment '{attachmentId}'.");
        }
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        var inline = attachment.ContentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            || attachment.ContentType.StartsWith("audio/", StringComparison.OrdinalIgnoreCase)
            || attachment.ContentType.StartsWith("video/", StringComparison.OrdinalIgnoreCase);
        return TypedResults.PhysicalFile(path, attachment.ContentType, inline ? null : attachment.Name ?? attachment.Id);
    }

    // GET conversations/{id}/stream?t=token&watermark=N (WebSocket): backlog after the watermark, then live activities.
    private static async Task<IResult> StreamAsync(
        string conversationId, [FromQuery(Name = "t")] string? token, string? watermark, HttpContext context, DirectLineTokens tokens,
        IDirectLineStore store, DirectLineHub hub, IHostApplicationLifetime lifetime)
    {
        var (caller, denied) = await AuthenticateAsync(context.Request, tokens, token);
        if (denied is not null || (denied = await OpenAsync(caller!, conversationId, store, context.RequestAborted)) is not null)
        {
            return denied;
        }
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
        await hub.RunStreamAsync(conversationId, socket, position, stopping.Token);
        return Results.Empty;
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

    /// <summary>
    /// Stores the user's activity (typing is only passed to the bot), echoes it on the stream with its
    /// channelData.clientActivityID untouched, and hands it to the bot. 502 when the bot could not take it.
    /// </summary>
    private static async Task<IResult> AcceptFromUserAsync(
        string conversationId, DirectLineCaller caller, Activity activity, HttpRequest request, IDirectLineStore store, DirectLineHub hub,
        ChannelAdapter adapter, ILogger logger, CancellationToken cancellationToken)
    {
        var owner = caller.IsSecret ? await store.FindConversationAsync(conversationId, cancellationToken) : caller.UserId;
        if (!caller.IsSecret && activity.From?.Id is { Length: > 0 } fromId && fromId != caller.UserId)
        {
            return Problem(StatusCodes.Status403Forbidden, "Wrong user", "from.id does not match the user this token is bound to.");
        }
        var from = (activity.From ?? new ChannelAccount()) with { Id = activity.From?.Id is { Length: > 0 } id ? id : owner, Role = RoleTypes.User };
        var incoming = activity with
        {
            From = from,
            Recipient = hub.Bot,
            Conversation = new ConversationAccount { Id = conversationId },
            ChannelId = DirectLineHub.ChannelId,
            ServiceUrl = ServiceUrl(request),
            DeliveryMode = null,
            CallerId = null,
            InputHint = InputHints.Normalize(activity.InputHint),
        };
        if (incoming.IsType(ActivityTypes.Typing))
        {
            incoming = incoming with { Id = DirectLineTokens.NewId("t_") };
        }
        else
        {
            incoming = await hub.AppendAsync(conversationId, incoming, cancellationToken);
        }
        if (await DeliverAsync(adapter, incoming, logger, cancellationToken) is { } failed)
        {
            return failed;
        }
        return TypedResults.Json(new ResourceResponse(incoming.Id), DirectLineJsonContext.Default.ResourceResponse);
    }

    private static async Task<IResult?> DeliverAsync(ChannelAdapter adapter, Activity activity, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await adapter.ProcessAsync(activity, null, cancellationToken);
            return null;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogBotFailed(logger, exception, activity.Conversation?.Id);
            return Problem(StatusCodes.Status502BadGateway, "Bot failed", "The bot could not process the activity.");
        }
    }

    private static async Task<(DirectLineCaller? Caller, IResult? Problem)> AuthenticateAsync(HttpRequest request, DirectLineTokens tokens, string? queryToken = null)
    {
        var presented = queryToken is { Length: > 0 } ? queryToken : BearerOf(request);
        if (presented is null)
        {
            return (null, Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "Send 'Authorization: Bearer <Direct Line secret or token>'."));
        }
        if (tokens.IsSecret(presented))
        {
            return (new DirectLineCaller(true, null, null, null, null), null);
        }
        var check = await tokens.CheckAsync(presented);
        return check.Status switch
        {
            TokenStatus.Valid => (new DirectLineCaller(false, check.ConversationId, check.UserId, presented, check.ExpiresAt), null),
            TokenStatus.Expired => (null, Problem(StatusCodes.Status403Forbidden, "Token expired", "The Direct Line token has expired; get a new one.")),
            _ => (null, Problem(StatusCodes.Status403Forbidden, "Forbidden", "The Direct Line token or secret is not valid.")),
        };
    }

    private static async Task<IResult?> OpenAsync(DirectLineCaller caller, string conversationId, IDirectLineStore store, CancellationToken cancellationToken)
    {
        if (!caller.IsSecret && !string.Equals(caller.ConversationId, conversationId, StringComparison.Ordinal))
        {
            return Problem(StatusCodes.Status403Forbidden, "Forbidden", "This token is for another conversation.");
        }
        return await store.FindConversationAsync(conversationId, cancellationToken) is null
            ? Problem(StatusCodes.Status404NotFound, "Not found", $"No conversation '{conversationId}'.")
            : null;
    }

    private static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header[7..].Trim() is { Length: > 0 } value ? value : null;
    }

    private static async Task<(T? Value, IResult? Problem)> ReadOptionalJsonAsync<T>(HttpRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var read = await MessagesEndpoint.ReadBodyAsync(request, MaxSmallBody, cancellationToken);
        if (read.Problem is { } tooLarge)
        {
            return (null, tooLarge);
        }
        if (read.Body.IsEmpty)
        {
            return (null, null);
        }
        try
        {
            return (JsonSerializer.Deserialize(read.Body.Span, type), null);
        }
        catch (JsonException)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "Invalid body", $"The body is not valid JSON for {typeof(T).Name}."));
        }
    }

    private static ProblemHttpResult? UserIdProblem(string userId) =>
        userId.Length is 0 or > 64 || userId.Any(char.IsControl)
            ? Problem(StatusCodes.Status400BadRequest, "Invalid user", "user.id must be 1 to 64 characters without control characters.")
            : null;

    private static bool TryParseWatermark(string? value, out long position)
    {
        position = 0;
        return string.IsNullOrEmpty(value) || value == "-"
            || (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out position) && position >= 0);
    }

    private static ProblemHttpResult BadWatermark() =>
        Problem(StatusCodes.Status400BadRequest, "Invalid watermark", "watermark must be a non-negative integer from a previous response.");

    private static ProblemHttpResult UploadTooLarge(long max) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"The upload exceeds the limit of {max} bytes.");

    private static string NewConversationId() => DirectLineTokens.NewId(string.Empty);

    private static string ServiceUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}{BasePath}/";

    private static string StreamUrl(HttpRequest request, string conversationId, string token, long? watermark) =>
        $"{(request.IsHttps ? "wss" : "ws")}://{request.Host}{request.PathBase}{BasePath}/conversations/{Uri.EscapeDataString(conversationId)}/stream"
        + $"?watermark={(watermark is { } w ? w.ToString(CultureInfo.InvariantCulture) : "-")}&t={Uri.EscapeDataString(token)}";

    private static ProblemHttpResult Problem(int status, string title, string detail) => MessagesEndpoint.Problem(status, title, detail);

    [LoggerMessage(EventId = 5300, Level = LogLevel.Error, Message = "The bot could not take a Direct Line activity for {ConversationId}")]
    private static partial void LogBotFailed(ILogger logger, Exception exception, string? conversationId);
}

internal static class DirectLineCallerExtensions
{
    public static int ExpiresIn(this DirectLineCaller caller, TimeProvider time) =>
        caller.ExpiresAt is { } at ? Math.Max(0, (int)(at - time.GetUtcNow()).TotalSeconds) : 0;
}
