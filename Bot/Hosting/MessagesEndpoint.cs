using System.Buffers;
using System.Text.Json;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting;

/// <summary><c>/api/messages</c>: where channels and the Emulator post activities.</summary>
public static partial class MessagesEndpoint
{
    public const string Path = "/api/messages";

    public static IEndpointRouteBuilder MapBotMessages(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, HandleAsync).WithName("PostActivity").DisableAntiforgery().RequireRateLimiting(RateLimitPolicies.Messages);
        endpoints.MapMethods(Path, [HttpMethods.Get, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Head, HttpMethods.Options],
            (HttpContext context) =>
            {
                context.Response.Headers.Allow = "POST";
                return TypedResults.StatusCode(StatusCodes.Status405MethodNotAllowed);
            });
        return endpoints;
    }

    private static async Task<IResult> HandleAsync(
        HttpContext context,
        ChannelAdapter adapter,
        IChannelAuthenticator authenticator,
        IOptions<MessagesOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var read = await ReadBodyAsync(context.Request, options.Value.MaxBodyBytes, cancellationToken);
        if (read.Problem is { } tooLarge)
        {
            return tooLarge;
        }
        var parsed = ActivityParser.Parse(read.Body.Span);
        if (parsed.Error is { } error)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid activity", error);
        }
        var activity = parsed.Activity!;

        var auth = await authenticator.AuthenticateAsync(context.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null, activity, cancellationToken);
        if (!auth.Succeeded)
        {
            return Problem(StatusCodes.Status401Unauthorized, "Unauthorized", auth.Failure ?? "The request could not be authenticated.");
        }
        if (auth.CallerId is not null)
        {
            activity = activity with { CallerId = auth.CallerId };
        }

        TurnOutcome outcome;
        try
        {
            outcome = await adapter.ProcessAsync(activity, auth.Identity, cancellationToken);
        }
        catch (Exception exception) when (StorageFaults.IsUnavailable(exception))
        {
            // Nothing was stored (the inbox write is one transaction) and nothing is acknowledged: the channel retries.
            var retryAfter = (int)Math.Ceiling(options.Value.StorageRetryAfter.TotalSeconds);
            LogStorageUnavailable(loggers.CreateLogger(typeof(MessagesEndpoint).FullName!), exception, activity.Id, activity.Conversation?.Id, retryAfter);
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problem(StatusCodes.Status503ServiceUnavailable, "Storage unavailable",
                $"The database cannot be reached, so the activity was not accepted (nothing was stored). Retry after {retryAfter} seconds.");
        }
        return outcome switch
        {
            TurnOutcome.Replies replies => TypedResults.Json(new ExpectedReplies(replies.Activities), ProtocolJsonContext.Default.ExpectedReplies),
            TurnOutcome.Invoke { Body: { } body } invoke => TypedResults.Json(body, ProtocolJsonContext.Default.JsonElement, statusCode: invoke.Status),
            TurnOutcome.Invoke invoke => TypedResults.StatusCode(invoke.Status),
            _ => TypedResults.Ok(),
        };
    }

    internal readonly record struct BodyRead(ReadOnlyMemory<byte> Body, IResult? Problem);

    internal static async Task<BodyRead> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return new BodyRead(default, TooLarge(maxBytes));
        }
        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and var length ? (int)length : 4096);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }
            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return new BodyRead(default, TooLarge(maxBytes));
            }
        }
        return new BodyRead(buffer.WrittenMemory, null);
    }

    private static ProblemHttpResult TooLarge(int maxBytes) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Activity too large", $"The body exceeds the limit of {maxBytes} bytes.");

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Activity {ActivityId} of conversation {ConversationId} answered 503: storage is unavailable (Retry-After {RetryAfter} s)")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception, string? activityId, string? conversationId, int retryAfter);
}

/// <summary>Parses and checks an inbound activity: a JSON object with type, channelId and conversation.id.</summary>
public static class ActivityParser
{
    public readonly record struct Result(Activity? Activity, string? Error);

    public static Result Parse(ReadOnlySpan<byte> body) => Parse(body, fromChannel: true);

    /// <summary>
    /// An activity from a Direct Line client: the same JSON checks, but neither type nor the fields the channel fills
    /// in (channelId, conversation, serviceUrl) are required.
    /// </summary>
    public static Result ParseFromClient(ReadOnlySpan<byte> body) => Parse(body, fromChannel: false);

    private static Result Parse(ReadOnlySpan<byte> body, bool fromChannel)
    {
        if (body.IsEmpty)
        {
            return new Result(null, "The body is empty; expected a JSON activity.");
        }
        try
        {
            if (CheckSyntax(body) is { } problem)
            {
                return new Result(null, problem);
            }
        }
        catch (JsonException exception)
        {
            return new Result(null, Malformed(exception));
        }
        try
        {
            var activity = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.Activity);
            return activity is null ? new Result(null, "The body must be a JSON object.") : fromChannel ? Validate(activity) : ValidateEntries(activity);
        }
        catch (JsonException exception)
        {
            return new Result(null, Describe(exception));
        }
    }

    /// <summary>
    /// Says what is wrong without echoing System.Text.Json's internals: malformed JSON (with its position), a field
    /// with the wrong JSON type (with its path), or a field whose value is refused (with the reason).
    /// </summary>
    private static string Describe(JsonException exception)
    {
        var where = exception.Path is { Length: > 1 } path ? $" at {path}" : string.Empty;
        if (exception.InnerException is JsonException syntax)
        {
            return Malformed(syntax);
        }
        if (exception.InnerException is InvalidOperationException or FormatException or OverflowException
            || exception.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"The body is not a valid activity{where}: a field has the wrong JSON type.";
        }
        if (exception.Message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return "The body is not a valid activity: it is nested too deeply.";
        }
        // A converter's own message (e.g. timestamps), without the serializer's path suffix.
        var message = exception.Message.Split(" Path:", 2)[0].Trim();
        return $"The body is not a valid activity{where}: {message}";
    }

    /// <summary>
    /// One pass of the reader over the whole body: it must be a JSON object, and every string in it (names too,
    /// including inside fields kept verbatim such as channelData) must be valid Unicode, or the activity could be
    /// accepted and then fail when it is stored or sent on. Throws <see cref="JsonException"/> for malformed JSON.
    /// </summary>
    private static string? CheckSyntax(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return "The body must be a JSON object.";
        }
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
            {
                continue;
            }
            bool valid;
            if (reader.ValueIsEscaped)
            {
                try
                {
                    _ = reader.GetString();
                    valid = true;
                }
                catch (InvalidOperationException)
                {
                    valid = false;
                }
            }
            else
            {
                valid = System.Text.Unicode.Utf8.IsValid(reader.ValueSpan);
            }
            if (!valid)
            {
                return $"The body is not a valid activity: the string at byte {reader.TokenStartIndex + 1} is not valid Unicode (invalid UTF-8 or a lone \\u surrogate escape).";
            }
        }
        return null;
    }

    private static string Malformed(JsonException exception) =>
        $"The body is not a valid activity: malformed JSON at line {(exception.LineNumber ?? 0) + 1}, byte {(exception.BytePositionInLine ?? 0) + 1}.";

    private static Result Validate(Activity activity)
    {
        if (string.IsNullOrWhiteSpace(activity.Type))
        {
            return new Result(null, "The activity has no 'type'.");
        }
        if (string.IsNullOrWhiteSpace(activity.ChannelId))
        {
            return new Result(null, "The activity has no 'channelId'.");
        }
        if (string.IsNullOrWhiteSpace(activity.Conversation?.Id))
        {
            return new Result(null, "The activity has no 'conversation.id'.");
        }
        if (ValidateEntries(activity) is { Error: not null } entries)
        {
            return entries;
        }
        var expectReplies = string.Equals(activity.DeliveryMode, DeliveryModes.ExpectReplies, StringComparison.OrdinalIgnoreCase);
        if (activity.ServiceUrl is null ? !expectReplies : !IsHttpUrl(activity.ServiceUrl))
        {
            return new Result(null, activity.ServiceUrl is null
                ? "The activity has no 'serviceUrl' to reply to (and deliveryMode is not expectReplies)."
                : "The activity's 'serviceUrl' is not an absolute http(s) URL.");
        }
        return new Result(activity with { InputHint = InputHints.Normalize(activity.InputHint) }, null);
    }

    private static Result ValidateEntries(Activity activity) =>
        FirstNullEntry(activity) is { } field ? new Result(null, $"The activity's '{field}' contains a null entry.") : new Result(activity, null);

    private static string? FirstNullEntry(Activity activity) =>
        HasNull(activity.MembersAdded) ? "membersAdded"
        : HasNull(activity.MembersRemoved) ? "membersRemoved"
        : HasNull(activity.ReactionsAdded) ? "reactionsAdded"
        : HasNull(activity.ReactionsRemoved) ? "reactionsRemoved"
        : HasNull(activity.Attachments) ? "attachments"
        : HasNull(activity.Entities) ? "entities"
        : HasNull(activity.ListenFor) ? "listenFor"
        : HasNull(activity.TextHighlights) ? "textHighlights"
        : HasNull(activity.SuggestedActions?.Actions) ? "suggestedActions.actions"
        : HasNull(activity.SuggestedActions?.To) ? "suggestedActions.to"
        : null;

    private static bool HasNull<T>(IReadOnlyList<T?>? items) where T : class
    {
        if (items is null)
        {
            return false;
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null)
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
