using System.Threading.RateLimiting;
using HandoffBot.Storage.Sqlite;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

public static class DirectLineServiceCollectionExtensions
{
    /// <summary>The embedded Direct Line channel: options, tokens, SQLite log, live streams (and, on PostgreSQL, following the other instances), transport, CORS and rate limits.</summary>
    public static IServiceCollection AddDirectLine(this IServiceCollection services)
    {
        services.AddOptions<DirectLineOptions>().BindConfiguration(DirectLineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DirectLineTokens>();
        services.AddScoped<DirectLineAccess>();
        services.AddSingleton<ISqliteSchema, SqliteDirectLineStore.Schema>();
        services.TryAddSingleton<IDirectLineStore, SqliteDirectLineStore>();
        services.TryAddSingleton<IDirectLineAttachmentContent, DirectLineFolderAttachments>();
        services.AddSingleton<DirectLineHub>();
        services.AddSingleton<DirectLineFollower>();
        services.AddHostedService(sp => sp.GetRequiredService<DirectLineFollower>());
        services.AddSingleton<Storage.IDirectLineChangeSubscriber>(sp => sp.GetRequiredService<DirectLineFollower>());
        services.AddSingleton<DirectLineUploads>();
        // Typing other instances announce (PostgreSQL), for the console feed and the Direct Line streams here.
        services.AddSingleton<TypingRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<TypingRelay>());
        services.AddSingleton<Storage.ITypingSubscriber>(sp => sp.GetRequiredService<TypingRelay>());
        services.AddSingleton<IChannelTransport, DirectLineTransport>();
        services.AddCors(cors => cors.AddPolicy(DirectLineEndpoints.CorsPolicy, policy => policy
            .AllowAnyOrigin()
            .WithMethods(HttpMethods.Get, HttpMethods.Post)
            .WithHeaders("Authorization", "Content-Type", "x-ms-bot-agent")
            .WithExposedHeaders("Retry-After")));
        // The 429 answer (Retry-After + ProblemDetails) and the page token endpoint's per-address policy come from
        // AddHandoffRateLimiting; Direct Line adds its per-token policy.
        services.AddRateLimiter(limiter => limiter.AddPolicy<string, DirectLineRateLimitPolicy>(DirectLineEndpoints.RateLimitPolicy));
        return services;
    }

    /// <summary>
    /// The customer page (Web Chat at <c>/</c>, with its security headers) and the Direct Line endpoints with their
    /// WebSockets middleware. Program.cs calls UseCors (the endpoints' policy) before UseRateLimiter, once for every endpoint.
    /// </summary>
    public static WebApplication MapDirectLine(this WebApplication app)
    {
        var frameAncestors = app.Services.GetRequiredService<IOptions<DirectLineOptions>>().Value.PageFrameAncestors;
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = file => WebChatPage.AddSecurityHeaders(file.Context, file.File.Name, frameAncestors),
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
        });
        app.UseWebSockets();
        app.MapDirectLineEndpoints();
        return app;
    }

    /// <summary>Per token (each conversation has its own budget), or per client address without one.</summary>
    internal static string CallerKey(HttpContext context)
    {
        var token = context.Request.Query["t"].ToString();
        if (token.Length == 0)
        {
            token = context.Request.Headers.Authorization.ToString();
        }
        return token.Length is > 0 and <= 4096 ? "token:" + token : "address:" + RateLimitPolicies.ClientKey(context);
    }
}

/// <summary><see cref="DirectLineOptions.RequestsPerWindow"/> per token (or per address without one); the shared 429 answer.</summary>
internal sealed class DirectLineRateLimitPolicy(IOptions<DirectLineOptions> options) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.GetFixedWindowLimiter(DirectLineServiceCollectionExtensions.CallerKey(httpContext), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.RequestsPerWindow,
            Window = options.Value.RateLimitWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
}
