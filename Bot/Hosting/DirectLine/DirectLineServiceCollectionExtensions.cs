using System.Globalization;
using System.Threading.RateLimiting;
using HandoffBot.Storage.Sqlite;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

public static class DirectLineServiceCollectionExtensions
{
    /// <summary>The embedded Direct Line channel: options, tokens, SQLite log, live streams, transport, CORS and rate limits.</summary>
    public static IServiceCollection AddDirectLine(this IServiceCollection services)
    {
        services.AddOptions<DirectLineOptions>().BindConfiguration(DirectLineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DirectLineTokens>();
        services.AddSingleton<ISqliteSchema, SqliteDirectLineStore.Schema>();
        services.AddSingleton<IDirectLineStore, SqliteDirectLineStore>();
        services.AddSingleton<DirectLineHub>();
        services.AddSingleton<DirectLineUploads>();
        services.AddSingleton<IChannelTransport, DirectLineTransport>();
        services.AddCors(cors => cors.AddPolicy(DirectLineEndpoints.CorsPolicy, policy => policy
            .AllowAnyOrigin()
            .WithMethods(HttpMethods.Get, HttpMethods.Post)
            .WithHeaders("Authorization", "Content-Type", "x-ms-bot-agent")
            .WithExposedHeaders("Retry-After")));
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected ??= RejectAsync;
            limiter.AddPolicy(DirectLineEndpoints.RateLimitPolicy, context => Window(context, CallerKey(context), o => o.RequestsPerWindow));
            limiter.AddPolicy(DirectLineEndpoints.TokenRateLimitPolicy, context => Window(context, AddressKey(context), o => o.TokensPerWindow));
        });
        return services;
    }

    /// <summary>
    /// The customer page (Web Chat at <c>/</c>, with its security headers) and the Direct Line endpoints with their
    /// WebSockets, CORS and rate-limiting middleware.
    /// </summary>
    public static WebApplication MapDirectLine(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = file => WebChatPage.AddSecurityHeaders(file.Context, file.File.Name),
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
        });
        app.UseWebSockets();
        app.UseCors();
        app.UseRateLimiter();
        app.MapDirectLineEndpoints();
        return app;
    }

    private static RateLimitPartition<string> Window(HttpContext context, string key, Func<DirectLineOptions, int> permits)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<DirectLineOptions>>().Value;
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits(options),
            Window = options.RateLimitWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>Per token (each conversation has its own budget), or per client address without one.</summary>
    private static string CallerKey(HttpContext context)
    {
        var token = context.Request.Query["t"].ToString();
        if (token.Length == 0)
        {
            token = context.Request.Headers.Authorization.ToString();
        }
        return token.Length is > 0 and <= 4096 ? "token:" + token : AddressKey(context);
    }

    private static string AddressKey(HttpContext context) => "address:" + context.Connection.RemoteIpAddress;

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        var response = rejected.HttpContext.Response;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await MessagesEndpoint.Problem(StatusCodes.Status429TooManyRequests, "Too many requests", $"Rate limit reached; retry after {seconds} s.")
            .ExecuteAsync(rejected.HttpContext);
    }
}
