using System.Buffers;
using System.Text.Json;
using HandoffBot.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting;

/// <summary><c>/api/messages</c>: where channels and the Emulator post activities.</summary>
public static class MessagesEndpoint
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

        var outcome = await adapter.ProcessAsync(activity, auth.Identity, cancellationToken);
        return outcome switch
        {
            TurnOutcome.Replies replies => TypedResults.Json(new ExpectedReplies(replies.Activities), ProtocolJsonContext.Default.ExpectedReplies),
            TurnOutcome.Invoke { Body: { } body } invoke => TypedResults.Json(body, ProtocolJsonContext.Default.JsonElement, statusCode: invoke.Status),
            TurnOutcome.Invoke invoke => TypedResults.StatusCode(invoke.Status),
            _ => TypedResults.Ok(),
        };
    }

    private readonly record struct BodyRead(ReadOnlyMemory<byte> Body, IResult? Problem);

    private static async Task<BodyRead> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
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
}

/// <summary>Parses and checks an inbound activity: a JSON object with type, channelId and conversation.id.</summary>
public static class ActivityParser
{
    public readonly record struct Result(Activity? Activity, string? Error);

    public static Result Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return new Result(null, "The body is empty; expected a JSON activity.");
        }
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new Result(null, "The body must be a JSON object.");
            }
            var activity = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.Activity);
            return activity is null ? new Result(null, "The body must be a JSON object.") : Validate(activity);
        }
        catch (JsonException exception)
        {
            var where = exception.Path is { Length: > 1 } path ? $" at {path}" : string.Empty;
            return new Result(null, $"The body is not a valid activity{where}: {Describe(exception)}");
        }
    }

    private static string Describe(JsonException exception) =>
        exception.InnerException is InvalidOperationException or FormatException
            ? "a field has the wrong JSON type."
            : exception.LineNumber is null ? "the JSON does not match the activity schema." : "malformed JSON.";

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
        var expectReplies = string.Equals(activity.DeliveryMode, DeliveryModes.ExpectReplies, StringComparison.OrdinalIgnoreCase);
        if (activity.ServiceUrl is null ? !expectReplies : !IsHttpUrl(activity.ServiceUrl))
        {
            return new Result(null, activity.ServiceUrl is null
                ? "The activity has no 'serviceUrl' to reply to (and deliveryMode is not expectReplies)."
                : "The activity's 'serviceUrl' is not an absolute http(s) URL.");
        }
        return new Result(activity with { InputHint = InputHints.Normalize(activity.InputHint) }, null);
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
