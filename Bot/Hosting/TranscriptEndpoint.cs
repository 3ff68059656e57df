using HandoffBot.Hosting.Access;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HandoffBot.Hosting;

/// <summary>
/// <c>GET /api/conversations/{id}/transcript</c>: the conversation as an Emulator <c>.transcript</c> file, for a
/// supervisor or the agent handling the conversation; every read is audited.
/// </summary>
public static class TranscriptEndpoint
{
    public static IEndpointRouteBuilder MapTranscriptExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/conversations/{conversationId}/transcript", ExportAsync).RequireAuthorization(AccessPolicies.Agent);
        return endpoints;
    }

    private static async Task<Results<JsonHttpResult<IReadOnlyList<Activity>>, ProblemHttpResult>> ExportAsync(
        string conversationId, HttpContext context, ITranscriptStore store, IConversationAssignments assignments, IAccessAudit audit,
        CancellationToken cancellationToken)
    {
        var user = context.User;
        var allowed = user.IsSupervisor()
            || (user.AgentId() is { } agentId && await assignments.IsHandledByAsync(conversationId, agentId, cancellationToken));
        await audit.RecordAsync(user, "transcript.read", conversationId, allowed, cancellationToken);
        if (!allowed)
        {
            return MessagesEndpoint.Problem(StatusCodes.Status403Forbidden, "Forbidden",
                "Only a supervisor or the agent handling this conversation may read its transcript.");
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
