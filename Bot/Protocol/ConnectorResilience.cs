using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace HandoffBot.Protocol;

/// <summary>
/// The retry policy of Connector calls, as a resilience pipeline on the named HttpClient:
/// total timeout, then bounded retries (429 honouring Retry-After, 500/502/503/504, attempt timeouts, connection
/// failures), then a per-attempt timeout. Every wait runs on the injected <see cref="TimeProvider"/>.
/// </summary>
public static class ConnectorResilience
{
    public const string PipelineName = "connector";

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ConnectorOptions options, TimeProvider time)
    {
        builder.TimeProvider = time;
        builder
            .AddTimeout(options.TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetryAttempts),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                ShouldHandle = args => ValueTask.FromResult(options.MaxRetryAttempts > 0 && ShouldRetry(args.Outcome, options, time)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? RetryAfter(response, time) : null),
            })
            .AddTimeout(options.AttemptTimeout);
    }

    /// <summary>Whether an attempt's outcome is worth another attempt. 400/401/403/404/412 and other 4xx never are.</summary>
    public static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ConnectorOptions options, TimeProvider time) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Exception: not null } => false,
        { Result: { } response } => IsRetryableStatus(response.StatusCode)
            && !(RetryAfter(response, time) is { } wait && wait > options.MaxRetryAfter),
        _ => false,
    };

    public static bool IsRetryableStatus(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests
        or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>The wait a Retry-After header asks for (seconds or an HTTP date), never negative; null without one.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }
        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }
}
