using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting;

/// <summary>Per-client limits (partitioned by remote address) for the endpoints anyone can reach.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>/api/messages requests per client per second. Azure Bot Service sends from few addresses: keep it generous.</summary>
    [Range(1, 1_000_000)]
    public int MessagesPerSecond { get; set; } = 10_000;

    /// <summary>Token endpoint requests per client per minute.</summary>
    [Range(1, 100_000)]
    public int TokensPerMinute { get; set; } = 60;
}

public static class RateLimitPolicies
{
    public const string Messages = "messages";
    public const string Tokens = "tokens";

    public static IServiceCollection AddHandoffRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await MessagesEndpoint.Problem(StatusCodes.Status429TooManyRequests, "Too many requests", "The rate limit was reached; retry after the time in Retry-After.")
                    .ExecuteAsync(context.HttpContext);
            };
            options.AddPolicy<string, MessagesPolicy>(RateLimitPolicies.Messages);
            options.AddPolicy<string, TokensPolicy>(RateLimitPolicies.Tokens);
        });
        return services;
    }

    /// <summary>The client's address: the partition key of per-client limits.</summary>
    public static string ClientKey(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}

/// <summary>/api/messages: <see cref="RateLimitOptions.MessagesPerSecond"/> per client address.</summary>
internal sealed class MessagesPolicy(IOptions<RateLimitOptions> options) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null; // the shared 429 answer

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) => RateLimitPartition.GetFixedWindowLimiter(RateLimitPolicies.ClientKey(httpContext),
        _ => new FixedWindowRateLimiterOptions { PermitLimit = options.Value.MessagesPerSecond, Window = TimeSpan.FromSeconds(1), QueueLimit = 0 });
}

/// <summary>Token endpoints: <see cref="RateLimitOptions.TokensPerMinute"/> per client address.</summary>
internal sealed class TokensPolicy(IOptions<RateLimitOptions> options) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null; // the shared 429 answer

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) => RateLimitPartition.GetFixedWindowLimiter(RateLimitPolicies.ClientKey(httpContext),
        _ => new FixedWindowRateLimiterOptions { PermitLimit = options.Value.TokensPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
}
