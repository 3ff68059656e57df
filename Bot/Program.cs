using HandoffBot.Assistant;
using HandoffBot.Handoff;
using HandoffBot.Hosting;
using HandoffBot.Hosting.Access;
using HandoffBot.Pipeline;
using HandoffBot.Routing;
using HandoffBot.Storage;

// The content root is the output folder, so the root appsettings.json (linked into the build) is found
// under `dotnet run`, `dotnet HandoffBot.dll` and WebApplicationFactory alike.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Services.AddProblemDetails();
builder.Services.AddHandoffStorage();
builder.Services.AddHandoffHealthChecks();
builder.Services.AddBotHosting(builder.Configuration);
builder.Services.AddHandoffAccess();
builder.Services.AddHandoffRateLimiting();
builder.Services.AddAssistant();
builder.Services.AddHandoffRouting();
builder.Services.AddHandoff();

// One customer turn, in order (see ARCHITECTURE.md).
builder.Services.AddTurnPipeline(pipeline => pipeline
    .Use<ErrorHandlingMiddleware>()
    .Use<TranscriptMiddleware>()
    .Use<ConversationStateMiddleware>()
    .Use<HandoffMiddleware>()
    .Run<AssistantBot>());

var app = builder.Build();

app.UseStatusCodePages();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.MapHandoffHealth();
app.MapBotMessages();
app.MapTranscriptExport();
app.MapAdminEndpoints();

app.Run();

/// <summary>Entry point, public for WebApplicationFactory.</summary>
public partial class Program;
