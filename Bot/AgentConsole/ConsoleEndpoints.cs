using System.Security.Claims;
using System.Text.RegularExpressions;
using HandoffBot.Handoff;
using HandoffBot.Hosting;
using HandoffBot.Hosting.Access;
using HandoffBot.Routing;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace HandoffBot.AgentConsole;

public sealed record SignInRequest(string? AccessKey);

public sealed record PresenceRequest(string? Presence);

public sealed record MessageRequest(string? Key, string? Text);

public sealed record TransferRequest(string? Key, string? Queue, string? Agent, string? Note);

/// <summary>
/// The console's pages (<c>/agent</c>, <c>/agent/sign-in</c>) and its HTTP API under <c>/agent/api</c>: session,
/// state, the agent commands (the same <see cref="AgentCommands"/> the Teams hub uses) and the push channel
/// (<see cref="ConsoleEventStream"/>). Every API checks the role and what the user may see; state-changing requests
/// from the page carry the anti-forgery token; bad requests get ProblemDetails.
/// </summary>
public static partial class ConsoleEndpoints
{
    public const int MaxTextLength = 4000;
    private const long MaxBodyBytes = 32 * 1024;

    public static IEndpointRouteBuilder MapAgentConsole(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/agent", (HttpContext http, IWebHostEnvironment environment) => Page(http, environment, "index.html"));
        endpoints.MapGet("/agent/sign-in", (HttpContext http, IWebHostEnvironment environment) => Page(http, environment, "sign-in.html"));

        var api = endpoints.MapGroup("/agent/api").AddEndpointFilter<ConsoleGuard>().WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        api.MapPost("/session", SignInAsync);
        var signedIn = api.MapGroup("").RequireAuthorization(AgentConsoleServiceCollectionExtensions.Policy);
        signedIn.MapDelete("/session", (Delegate)SignOutAsync);
        signedIn.MapGet("/me", Me);
        signedIn.MapGet("/state", StateAsync);
        signedIn.MapGet("/directory", async (ConsoleViews views, CancellationToken ct) => Results.Json(await views.DirectoryAsync(ct)));
        signedIn.MapGet("/events", ConsoleEventStream.StreamAsync);
        signedIn.MapGet("/handoffs/{id}", DetailAsync);
        signedIn.MapPut("/presence", PresenceAsync);
        signedIn.MapPost("/handoffs/{id}/accept", AcceptAsync);
        signedIn.MapPost("/handoffs/{id}/decline", (string id, HttpContext http, ConsoleViews views, AgentCommands commands, CancellationToken ct) =>
            AsAgentAsync(http, views, id, (agent, _) => commands.DeclineAsync(agent, id, ct), ct));
        signedIn.MapPost("/handoffs/{id}/end", (string id, HttpContext http, ConsoleViews views, AgentCommands commands, CancellationToken ct) =>
            AsAgentAsync(http, views, id, (agent, _) => commands.EndAsync(agent, id, ct), ct));
        signedIn.MapPost("/handoffs/{id}/typing", (string id, HttpContext http, ConsoleViews views, AgentCommands commands, CancellationToken ct) =>
            AsAgentAsync(http, views, id, (agent, _) => commands.TypingAsync(agent, id, ct), ct));
        signedIn.MapPost("/handoffs/{id}/messages", (string id, MessageRequest body, HttpContext http, ConsoleViews views, AgentCommands commands, CancellationToken ct) =>
            Validate(body.Key, body.Text) is { } bad ? Task.FromResult<IResult>(bad) : AsAgentAsync(http, views, id, (agent, _) => commands.ReplyAsync(agent, id, body.Key!, body.Text!.Trim(), ct), ct));
        signedIn.MapPost("/handoffs/{id}/notes", (string id, MessageRequest body, HttpContext http, ConsoleViews views, AgentCommands commands, CancellationToken ct) =>
            Validate(body.Key, body.Text) is { } bad ? Task.FromResult<IResult>(bad) : AsAgentAsync(http, views, id, (agent, _) => commands.NoteAsync(agent, id, body.Key!, body.Text!.Trim(), ct), ct));
        signedIn.MapPost("/handoffs/{id}/transfer", TransferAsync);
        signedIn.MapCopilot();
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(SignInRequest? body, HttpContext http, IAntiforgery antiforgery, AccessKeys keys, ConsoleAccess console, IAgentDirectory agents, IAccessAudit audit, CancellationToken ct)
    {
        if (!console.IsReachable)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Console unavailable", "The agent console is off: configure Access:ApiKeys or Access:Jwt (see the start-up log).");
        }
        if (body?.AccessKey is not { Length: > 0 } presented)
        {
            return Problem(StatusCodes.Status400BadRequest, "Access key missing", "Enter your access key.");
        }
        if (keys.Find(presented.Trim()) is not { } entry)
        {
            return Problem(StatusCodes.Status401Unauthorized, "Wrong access key", "The access key is not valid.");
        }
        if (entry.AgentId is { Length: > 0 } agentId && await agents.GetAsync(new AgentId(agentId), ct) is null)
        {
            return Problem(StatusCodes.Status403Forbidden, "Unknown agent", $"The key belongs to agent '{agentId}', who is not on the roster (Routing:Agents).");
        }
        var principal = AccessKeys.Principal(entry, AgentConsoleServiceCollectionExtensions.CookieScheme);
        await http.SignInAsync(AgentConsoleServiceCollectionExtensions.CookieScheme, principal, new AuthenticationProperties { IsPersistent = true });
        await audit.RecordAsync(principal, "console.sign-in", entry.AgentId ?? entry.Name, allowed: true, ct);
        http.User = principal;
        return Me(http, antiforgery);
    }

    private static async Task<IResult> StateAsync(HttpContext http, ConsoleViews views, CancellationToken ct) =>
        Results.Json(await views.StateAsync(await views.ViewerAsync(http.User, ct), ct));

    private static async Task<IResult> SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(AgentConsoleServiceCollectionExtensions.CookieScheme);
        return Results.NoContent();
    }

    /// <summary>Who is signed in, and the anti-forgery token the page sends back on every change.</summary>
    private static IResult Me(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var user = http.User;
        return Results.Json(new
        {
            name = user.Identity?.Name,
            agentId = user.AgentId(),
            role = AccessRoles.All.LastOrDefault(user.IsInRole),
            csrf = tokens.RequestToken,
        });
    }

    private static async Task<IResult> DetailAsync(string id, HttpContext http, ConsoleViews views, IHandoffStore store, IAccessAudit audit, CancellationToken ct)
    {
        var viewer = await views.ViewerAsync(http.User, ct);
        var handoff = await store.GetAsync(id, ct);
        var allowed = handoff is not null && views.CanSee(viewer, handoff);
        await audit.RecordAsync(http.User, "transcript.read", "handoff:" + id, allowed, ct);
        if (handoff is null)
        {
            return Problem(StatusCodes.Status404NotFound, "Not found", $"There is no handoff '{id}'.");
        }
        return allowed
            ? Results.Json(await views.DetailAsync(handoff, ct))
            : Problem(StatusCodes.Status403Forbidden, "Forbidden", "This handoff is neither offered to you, nor yours, nor waiting in a queue you are qualified for.");
    }

    private static async Task<IResult> AcceptAsync(string id, HttpContext http, ConsoleViews views, IHandoffStore store, AgentCommands commands, CancellationToken ct)
    {
        var viewer = await views.ViewerAsync(http.User, ct);
        if (await store.GetWithoutPacketAsync(id, ct) is { } handoff && handoff.IsWaiting && !views.CanAccept(viewer, handoff))
        {
            return Problem(StatusCodes.Status403Forbidden, "Forbidden", "This handoff is neither offered to you nor waiting in a queue you are qualified for.");
        }
        return await AsAgentAsync(http, views, id, (agent, _) => commands.AcceptAsync(agent, id, ct), ct);
    }

    private static async Task<IResult> PresenceAsync(PresenceRequest body, HttpContext http, ConsoleViews views, AgentCommands commands, CancellationToken ct)
    {
        if (!Enum.TryParse<AgentPresence>(body.Presence, ignoreCase: true, out var presence) || !Enum.IsDefined(presence) || int.TryParse(body.Presence, out _))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad presence", "presence must be one of Available, Away, Offline.");
        }
        if ((await views.ViewerAsync(http.User, ct)).Agent is not { } agent)
        {
            return NotAnAgent();
        }
        var requeued = await commands.SetPresenceAsync(ActingAgent.Of(agent), presence, ct);
        return Results.Json(new { presence = presence.ToString(), requeued });
    }

    private static async Task<IResult> TransferAsync(string id, TransferRequest body, HttpContext http, ConsoleViews views, AgentCommands commands, IOptions<RoutingOptions> routing, CancellationToken ct)
    {
        if ((body.Queue is { Length: > 0 }) == (body.Agent is { Length: > 0 }))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad transfer", "Give either a queue or an agent to transfer to.");
        }
        if (body.Queue is { Length: > 0 } queue && !routing.Value.Queues.ContainsKey(queue))
        {
            return Problem(StatusCodes.Status400BadRequest, "Unknown queue", $"There is no queue '{queue}' (Routing:Queues).");
        }
        if (body.Note is { Length: > MaxTextLength } || body.Key is not { } key || !KeyPattern().IsMatch(key))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad transfer", $"key must be 1-64 letters, digits, '-' or '_', and the note at most {MaxTextLength} characters.");
        }
        return await AsAgentAsync(http, views, id, (agent, _) => commands.TransferAsync(agent, id, body.Queue, body.Agent is { Length: > 0 } to ? new AgentId(to) : null, body.Note?.Trim(), key, ct), ct);
    }

    /// <summary>Runs an agent command for the signed-in agent; its refusal becomes ProblemDetails (409 naming the winner of an accept).</summary>
    internal static async Task<IResult> AsAgentAsync(HttpContext http, ConsoleViews views, string id, Func<ActingAgent, CancellationToken, Task<Transition>> command, CancellationToken ct)
    {
        if ((await views.ViewerAsync(http.User, ct)).Agent is not { } agent)
        {
            return NotAnAgent();
        }
        var result = await command(ActingAgent.Of(agent), ct);
        if (result.Value is { } handoff)
        {
            return Results.Json(new { id = handoff.Id, status = handoff.Status.ToString(), agent = handoff.AgentName });
        }
        var error = result.Error!;
        var status = error.Code switch
        {
            HandoffError.NotFound => StatusCodes.Status404NotFound,
            HandoffError.NotOffered => StatusCodes.Status403Forbidden,
            _ => StatusCodes.Status409Conflict,
        };
        var problem = new ProblemDetails { Status = status, Title = error.Code, Detail = error.Message };
        if (error.AcceptedBy is { } winner)
        {
            problem.Extensions["acceptedBy"] = winner;
        }
        return Results.Problem(problem);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Validate(string? key, string? text) =>
        key is null || !KeyPattern().IsMatch(key)
            ? Problem(StatusCodes.Status400BadRequest, "Bad key", "key must be 1-64 letters, digits, '-' or '_' (one per message: a retry with the same key is not sent twice).")
            : string.IsNullOrWhiteSpace(text) || text.Length > MaxTextLength
                ? Problem(StatusCodes.Status400BadRequest, "Bad text", $"text must be 1-{MaxTextLength} characters.")
                : null;

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotAnAgent() =>
        Problem(StatusCodes.Status403Forbidden, "Not an agent", "Only an agent on the roster can do this (the key or token has no agent id).");

    internal static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(int status, string title, string detail) => MessagesEndpoint.Problem(status, title, detail);

    private static IResult Page(HttpContext http, IWebHostEnvironment environment, string file)
    {
        Hosting.DirectLine.WebChatPage.AddConsoleHeaders(http);
        return Results.File(Path.Combine(environment.WebRootPath, "agent", file), "text/html; charset=utf-8");
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex KeyPattern();
}

/// <summary>
/// Every console API: a state-changing request from the page (cookie session) must carry the anti-forgery token,
/// and the console must be on.
/// </summary>
internal sealed class ConsoleGuard(IAntiforgery antiforgery, IOptions<AgentConsoleOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!options.Value.Enabled)
        {
            return MessagesEndpoint.Problem(StatusCodes.Status404NotFound, "Not found", "The agent console is disabled (AgentConsole:Enabled).");
        }
        var changes = !HttpMethods.IsGet(http.Request.Method);
        var fromPage = http.User.Identity is ClaimsIdentity { AuthenticationType: AgentConsoleServiceCollectionExtensions.CookieScheme, IsAuthenticated: true };
        if (changes && fromPage && !await antiforgery.IsRequestValidAsync(http))
        {
            return MessagesEndpoint.Problem(StatusCodes.Status400BadRequest, "Anti-forgery token missing", $"Send the token from /agent/api/me in the {AgentConsoleServiceCollectionExtensions.AntiforgeryHeader} header.");
        }
        return await next(context);
    }
}
