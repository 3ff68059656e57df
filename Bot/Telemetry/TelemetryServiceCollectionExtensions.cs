using System.Net;
using Azure.Monitor.OpenTelemetry.Exporter;
using HandoffBot.Hosting.Access;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace HandoffBot.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The .NET runtime's built-in meter (dotnet.jit.*, dotnet.gc.*, dotnet.thread_pool.*, ...).</summary>
    public const string RuntimeMeter = "System.Runtime";

    /// <summary>
    /// OpenTelemetry for the bot's spans and instruments (<see cref="BotTelemetry.Name"/>), ASP.NET Core and HttpClient:
    /// the Prometheus exporter always (its endpoint mapped by <see cref="MapHandoffMetrics"/>), OTLP and Azure Monitor
    /// when configured; log records keep their scopes (conversation and handoff ids) and carry the trace and span ids.
    /// </summary>
    public static IServiceCollection AddHandoffTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Exporters are chosen from the configuration present at composition (appsettings, environment); the scrape
        // endpoint's options are read when it is mapped and on each request.
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var azureMonitor = configuration[TelemetryOptions.AzureMonitorKey];
        var otlpFromEnvironment = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        // What is traced is declared always; spans are made only when something exports them (OTLP, Azure Monitor, or a
        // test's in-memory exporter calling WithTracing): recording spans for nobody costs about 7 KB a turn.
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(BotTelemetry.Name)
            .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsQuiet(context.Request.Path, options))
            .AddHttpClientInstrumentation());
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName));
        if (!string.IsNullOrEmpty(azureMonitor))
        {
            telemetry.WithTracing(tracing => tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = azureMonitor));
        }
        telemetry
            .WithMetrics(metrics =>
            {
                // RuntimeMeter: the runtime's own meter (JIT, GC, thread pool, exceptions), observable instruments read
                // only when something collects them; the load tools read its JIT counter to know the bot is warm.
                metrics.AddMeter(BotTelemetry.Name, RuntimeMeter)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddPrometheusExporter();
                if (!string.IsNullOrEmpty(azureMonitor))
                {
                    metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = azureMonitor);
                }
            })
            .WithLogging(logging =>
            {
                if (!string.IsNullOrEmpty(azureMonitor))
                {
                    logging.AddAzureMonitorLogExporter(o => o.ConnectionString = azureMonitor);
                }
            }, logging => logging.IncludeScopes = true);
        if (Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var otlp)) // anything else fails the options validation at start
        {
            telemetry.WithTracing().UseOtlpExporter(options.OtlpProtocol == "HttpProtobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc, otlp);
        }
        else if (otlpFromEnvironment)
        {
            telemetry.WithTracing().UseOtlpExporter();
        }

        services.AddAuthorizationBuilder().AddPolicy(TelemetryOptions.MetricsPolicy, policy => policy
            .AddAuthenticationSchemes(AccessServiceCollectionExtensions.Scheme)
            .RequireAssertion(context => context.User.IsInRole(AccessRoles.Admin)
                || (context.Resource is HttpContext http && IsLoopback(http)
                    && http.RequestServices.GetRequiredService<IOptions<TelemetryOptions>>().Value.MetricsScrape == MetricsScrape.Loopback)));
        services.AddSingleton<TelemetryMiddleware>();
        services.AddHostedService<OutboxBacklogMonitor>();
        return services;
    }

    /// <summary>Maps the Prometheus scrape endpoint (unless <see cref="MetricsScrape.Off"/>), behind <see cref="TelemetryOptions.MetricsPolicy"/>.</summary>
    public static IEndpointRouteBuilder MapHandoffMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (options.MetricsScrape != MetricsScrape.Off)
        {
            endpoints.MapPrometheusScrapingEndpoint(options.MetricsPath).RequireAuthorization(TelemetryOptions.MetricsPolicy);
        }
        return endpoints;
    }

    private static bool IsLoopback(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
        && http.Request.Headers["X-Forwarded-For"].Count == 0; // a reverse proxy on the same machine is not the caller

    private static bool IsQuiet(PathString path, TelemetryOptions options) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments(options.MetricsPath);
}
