using System.Security.Cryptography;
using System.Text;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting;

/// <summary><c>GET /api/conversations/{id}/transcript</c>: the conversation as an Emulator <c>.transcript</c> file.</summary>
public static class TranscriptEndpoint
{
    public static IEndpointRouteBuilder MapTranscriptExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/conversations/{conversationId}/transcript", ExportAsync);
        return endpoints;
    }

    private static async Task<Results<JsonHttpResult<IReadOnlyList<Activity>>, ProblemHttpResult>> ExportAsync(
        string conversationId, HttpContext context, ITranscriptStore store, IOptions<AdminOptions> admin, CancellationToken cancellationToken)
    {
        if (!AdminKey.IsValid(context.Request, admin.Value))
        {
            return MessagesEndpoint.Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "An admin API key is required (X-Api-Key header).");
        }
        var activities = await store.ReadAsync(conversationId, cancellationToken);
        if (activities.Count == 0)
        {
            return MessagesEndpoint.Problem(StatusCodes.Status404NotFound, "Not found", $"No transcript for conversation '{conversationId}'.");
        }
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{Sanitize(conversationId)}.transcript\"";
        return TypedResults.Json(activities, ProtocolJsonContext.Default.IReadOnlyListActivity);
    }

    private static string Sanitize(string id) =>
        new([.. id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}

/// <summary>Checks the admin API key from <c>X-Api-Key</c> or <c>Authorization: ApiKey ...</c>, in constant time.</summary>
public static class AdminKey
{
    public static bool IsValid(HttpRequest request, AdminOptions options)
    {
        if (string.IsNullOrEmpty(options.ApiKey))
        {
            return false;
        }
        var presented = request.Headers["X-Api-Key"].ToString();
        if (presented.Length == 0 && request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase))
        {
            presented = auth["ApiKey ".Length..].Trim();
        }
        return presented.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(options.ApiKey));
    }
}
