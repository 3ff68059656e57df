using HandoffBot.AgentConsole;
using HandoffBot.Analytics;
using HandoffBot.AgentHub;
using HandoffBot.Assistant;
using HandoffBot.Copilot;
using HandoffBot.Escalation;
using HandoffBot.Handoff;
using HandoffBot.Hosting;
using HandoffBot.Hosting.Access;
using HandoffBot.Hosting.DirectLine;
using HandoffBot.Pipeline;
using HandoffBot.Resources;
using HandoffBot.Routing;
using HandoffBot.Storage;
using HandoffBot.Telemetry;

// `dotnet run --project Bot -- analyze`: escalation analysis of stdin lines, no web server.
if (args.Length > 0 && args[0] == "analyze")
{
    Environment.ExitCode = await EscalationCli.RunAsync(args[1..], Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error);
    return;
}

// The content root is the output folder, so the root appsettings.json (linked into the build) is found
// under `dotnet run`, `dotnet HandoffBot.dll` and WebApplicationFactory alike.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Services.AddProblemDetails();
builder.Services.AddCopy();
builder.Services.AddHandoffStorage();
builder.Services.AddHandoffHealthChecks();
builder.Services.AddHandoffTelemetry(builder.Configuration);
builder.Services.AddBotHosting(builder.Configuration);
builder.Services.AddHandoffAccess();
builder.Services.AddHandoffRateLimiting();
builder.Services.AddAssistant();
builder.Services.AddEscalation();
builder.Services.AddHandoffRouting();
builder.Services.AddDirectLine();
builder.Services.AddHandoff();
builder.Services.AddHandoffAnalytics();
builder.Services.AddAgentConsole();
builder.Services.AddCopilot();

// One customer turn, in order (see ARCHITECTURE.md).
builder.Services.AddTurnPipeline(pipeline => pipeline
    .Use<ErrorHandlingMiddleware>()
    .Use<TranscriptMiddleware>()
    .Use<ConversationStateMiddleware>()
    .Use<ConversationTurnMiddleware>()
    .Use<TelemetryMiddleware>()
    .Use<HandoffMiddleware>()
    .Use<EscalationMiddleware>()
    .Run<AssistantBot>());
// Agent hub traffic (the Handoff:Hub conversation or Teams channel): its own pipeline, chosen by the adapter.
builder.Services.AddTurnPipelineFor(sp => sp.GetRequiredService<HubNotifier>().IsHubActivity, pipeline => pipeline
    .Use<ErrorHandlingMiddleware>()
    .Use<TranscriptMiddleware>()
    .Use<ConversationStateMiddleware>()
    .Run<AgentHubHandler>());

var app = builder.Build();

app.UseStatusCodePages();
// CORS first: a 429 or 401 to a browser must carry the CORS headers, or the page cannot read it.
app.UseCors();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.MapHandoffHealth();
app.MapHandoffMetrics();
app.MapBotMessages();
app.MapTranscriptExport();
app.MapAdminEndpoints();
app.MapDirectLine();
app.MapAgentConsole();
app.MapSupervisor();
app.MapAnalytics();

app.Run();

/// <summary>Entry point, public for WebApplicationFactory.</summary>
public partial class Program;
