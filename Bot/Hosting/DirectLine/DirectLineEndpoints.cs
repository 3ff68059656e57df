using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>
/// The Direct Line 3.0 REST and WebSocket surface under <c>/v3/directline</c>, plus <c>/api/directline/token</c>
/// where the customer page gets its token (the secret never leaves the server). Every endpoint but the attachment
/// download sits behind <see cref="DirectLineAccessFilter"/>, which resolves the caller and the conversation once;
/// the handlers are split by seam: tokens, conversations, activities, the stream, uploads.
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
        var directLine = endpoints.MapGroup(BasePath).RequireCors(CorsPolicy).RequireRateLimiting(RateLimitPolicy).DisableAntiforgery();
        var callers = directLine.MapGroup(string.Empty).AddEndpointFilter<DirectLineAccessFilter>();
        callers.MapPost("/tokens/generate", GenerateAsync);
        callers.MapPost("/tokens/refresh", Refresh);
        callers.MapPost("/conversations", StartAsync);

        var conversation = callers.MapGroup("/conversations/{conversationId}");
        conversation.MapGet(string.Empty, Reconnect);
        conversation.MapPost("/activities", PostActivityAsync);
        conversation.MapGet("/activities", GetActivitiesAsync);
        conversation.MapPost("/upload", UploadAsync);
        conversation.MapGet("/stream", StreamAsync).WithMetadata(AcceptsQueryToken.Instance);

        // Attachment ids are unguessable, as in Azure's Direct Line: the download needs no credentials.
        directLine.MapGet("/attachments/{attachmentId}", DownloadAsync);
        endpoints.MapPost(PageTokenPath, PageTokenAsync).RequireRateLimiting(RateLimitPolicies.Tokens).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<(T? Value, IResult? Problem)> ReadOptionalJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
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

    private static string NewConversationId() => DirectLineTokens.NewId(string.Empty);

    private static string ServiceUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}{BasePath}/";

    private static string StreamUrl(HttpRequest request, string conversationId, string token, long? watermark) =>
        $"{(request.IsHttps ? "wss" : "ws")}://{request.Host}{request.PathBase}{BasePath}/conversations/{Uri.EscapeDataString(conversationId)}/stream"
        + $"?watermark={(watermark is { } w ? w.ToString(CultureInfo.InvariantCulture) : "-")}&t={Uri.EscapeDataString(token)}";

    internal static ProblemHttpResult Problem(int status, string title, string detail) => MessagesEndpoint.Problem(status, title, detail);
}
