using HandoffBot.Copilot;
using HandoffBot.Handoff;
using HandoffBot.Hosting.Access;

namespace HandoffBot.AgentConsole;

public sealed record CopilotFeedbackRequest(string? Action, string? Source);

public sealed record CopilotSuggestionsView(string HandoffId, IReadOnlyList<CopilotSuggestion> Suggestions);

/// <summary>
/// The co-pilot in the console API: <c>GET /handoffs/{id}/suggestions</c> (whoever may see the handoff) and
/// <c>POST /handoffs/{id}/suggestions/feedback</c> <c>{action: used|dismissed, source}</c> from the handling agent,
/// recorded as the handoff audit entry <c>copilot.used</c> / <c>copilot.dismissed</c> with the source as its reason.
/// </summary>
internal static class CopilotEndpoints
{
    public static RouteGroupBuilder MapCopilot(this RouteGroupBuilder signedIn)
    {
        signedIn.MapGet("/handoffs/{id}/suggestions", SuggestionsAsync);
        signedIn.MapPost("/handoffs/{id}/suggestions/feedback", FeedbackAsync);
        return signedIn;
    }

    private static async Task<IResult> SuggestionsAsync(string id, HttpContext http, ConsoleViews views, IHandoffStore store, CopilotService copilot, IAccessAudit audit, CancellationToken ct)
    {
        var viewer = await views.ViewerAsync(http.User, ct);
        if (await store.GetAsync(id, ct) is not { } handoff)
        {
            return ConsoleEndpoints.Problem(StatusCodes.Status404NotFound, "Not found", $"There is no handoff '{id}'.");
        }
        if (!views.CanSee(viewer, handoff))
        {
            await audit.RecordAsync(http.User, "transcript.read", "handoff:" + id, allowed: false, ct);
            return ConsoleEndpoints.Problem(StatusCodes.Status403Forbidden, "Forbidden", "This handoff is neither offered to you, nor yours, nor waiting in a queue you are qualified for.");
        }
        return Results.Json(new CopilotSuggestionsView(id, await copilot.SuggestAsync(handoff, ct)));
    }

    private static Task<IResult> FeedbackAsync(string id, CopilotFeedbackRequest body, HttpContext http, ConsoleViews views, CopilotService copilot, AgentCommands commands, CancellationToken ct)
    {
        if (CopilotActions.Of(body.Action) is not { } action)
        {
            return Task.FromResult<IResult>(ConsoleEndpoints.Problem(StatusCodes.Status400BadRequest, "Bad action", "action must be 'used' or 'dismissed'."));
        }
        if (!copilot.IsKnownSource(body.Source))
        {
            return Task.FromResult<IResult>(ConsoleEndpoints.Problem(StatusCodes.Status400BadRequest, "Unknown source",
                "source must name a knowledge-base entry (kb:{id}) or a playbook step (playbook:{playbook}/{step}) the co-pilot suggests."));
        }
        return ConsoleEndpoints.AsAgentAsync(http, views, id, (agent, _) => commands.AuditAsync(agent, id, action, body.Source!, ct), ct);
    }
}
