using HandoffBot.Analytics;
using HandoffBot.Handoff;
using HandoffBot.Hosting;
using HandoffBot.Hosting.Access;
using HandoffBot.Routing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace HandoffBot.AgentConsole;

public sealed record ReassignRequest(string? Queue, string? Agent);

public sealed record CapacityRequest(int? Capacity);

/// <summary>
/// The supervisor view (<c>/agent/supervisor</c>) and its API under <c>/agent/api/supervisor</c>: the console's
/// session (or an API key / JWT) with the supervisor or admin role. Live queues, agents and conversations, the audit
/// log, the analytics (the same handler as <c>/api/analytics/summary</c>) and reassigning a conversation through
/// <see cref="AgentCommands"/>.
/// </summary>
public static class SupervisorEndpoints
{
    public static IEndpointRouteBuilder MapSupervisor(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/agent/supervisor", (HttpContext http, IWebHostEnvironment environment) =>
        {
            Hosting.DirectLine.WebChatPage.AddConsoleHeaders(http);
            return Results.File(Path.Combine(environment.WebRootPath, "agent", "supervisor.html"), "text/html; charset=utf-8");
        });
        var api = endpoints.MapGroup("/agent/api/supervisor").AddEndpointFilter<ConsoleGuard>()
            .WithMetadata(new RequestSizeLimitAttribute(4096))
            .RequireAuthorization(AgentConsoleServiceCollectionExtensions.SupervisorPolicy);
        api.MapGet("/live", async (SupervisorViews views, CancellationToken ct) => Results.Json(await views.LiveAsync(ct)));
        api.MapGet("/audit", AuditAsync);
        api.MapGet("/analytics", (string? from, string? to, string? format, HandoffAnalytics figures, CancellationToken ct) =>
            AnalyticsEndpoints.SummaryAsync(from, to, format, figures, ct));
        api.MapPost("/handoffs/{id}/reassign", ReassignAsync);
        api.MapPut("/agents/{id}/capacity", SetCapacityAsync);
        return endpoints;
    }

    private static async Task<IResult> AuditAsync(string? kind, int? limit, SupervisorViews views, CancellationToken ct)
    {
        if (kind is { Length: > 0 } && !SupervisorViews.AuditKinds.Contains(kind))
        {
            return MessagesEndpoint.Problem(StatusCodes.Status400BadRequest, "Unknown kind", $"kind must be one of {string.Join(", ", SupervisorViews.AuditKinds)}.");
        }
        if (limit is < 1 or > 1000)
        {
            return MessagesEndpoint.Problem(StatusCodes.Status400BadRequest, "Bad limit", "limit must be 1-1000.");
        }
        return Results.Json(await views.AuditAsync(kind is { Length: > 0 } ? kind : null, limit ?? 200, ct));
    }

    private static async Task<IResult> SetCapacityAsync(string id, CapacityRequest body, HttpContext http, RosterChanges roster, CancellationToken ct)
    {
        if (id.Length > 64)
        {
            return MessagesEndpoint.Problem(StatusCodes.Status400BadRequest, "Bad agent id", "An agent id is at most 64 characters.");
        }
        if (body.Capacity is not (>= 0 and <= RosterChanges.MaxCapacity))
        {
            return MessagesEndpoint.Problem(StatusCodes.Status400BadRequest, "Bad capacity", $"capacity must be a whole number 0-{RosterChanges.MaxCapacity} (conversations at once, on every channel).");
        }
        if (await roster.SetCapacityAsync(http.User, new AgentId(id), body.Capacity.Value, ct) is not { } agent)
        {
            return MessagesEndpoint.Problem(StatusCodes.Status404NotFound, "Unknown agent", $"There is no agent '{id}' on the roster.");
        }
        return Results.Json(new { id = agent.Id.Value, capacity = SupervisorViews.CapacityOf(agent) });
    }

    private static async Task<IResult> ReassignAsync(string id, ReassignRequest body, HttpContext http, AgentCommands commands, IAccessAudit audit, IOptions<RoutingOptions> routing, CancellationToken ct)
    {
        if ((body.Queue is { Length: > 0 }) == (body.Agent is { Length: > 0 }))
        {
            return MessagesEndpoint.Problem(StatusCodes.Status400BadRequest, "Bad reassign", "Give either a queue or an agent to reassign to.");
        }
        if (body.Queue is { Length: > 0 } queue && !routing.Value.Queues.ContainsKey(queue))
        {
            return MessagesEndpoint.Problem(StatusCodes.Status400BadRequest, "Unknown queue", $"There is no queue '{queue}' (Routing:Queues).");
        }
        var result = await commands.ReassignAsync(id, body.Queue, body.Agent is { Length: > 0 } to ? new AgentId(to) : null, ct);
        await audit.RecordAsync(http.User, "handoff.reassign", "handoff:" + id, result.Succeeded, ct);
        if (result.Value is { } handoff)
        {
            return Results.Json(new { id = handoff.Id, status = handoff.Status.ToString(), queue = handoff.Queue, offeredTo = handoff.OfferedTo });
        }
        var status = result.Error!.Code == HandoffError.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict;
        return MessagesEndpoint.Problem(status, result.Error.Code, result.Error.Message);
    }
}
