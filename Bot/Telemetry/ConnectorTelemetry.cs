using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;

namespace HandoffBot.Telemetry;

/// <summary>Spans and error counts of Connector calls (bot to channel).</summary>
public static class ConnectorTelemetry
{
    private static readonly Counter<long> Errors = BotTelemetry.Meter.CreateCounter<long>("handoffbot.connector.errors", "{call}", "Connector calls that failed, by HTTP status.");

    /// <summary>A Connector call's span; <see cref="ConnectorFailed"/> records an error on it.</summary>
    public static Activity? StartConnectorCall(HttpMethod method, string operation)
    {
        ArgumentNullException.ThrowIfNull(method);
        var span = BotTelemetry.StartSpan($"connector {method.Method} {operation}", ActivityKind.Client);
        span?.SetTag("http.request.method", method.Method);
        return span;
    }

    public static void ConnectorFailed(Activity? span, HttpStatusCode status, Exception exception)
    {
        BotTelemetry.Failed(span, exception);
        span?.SetTag("http.response.status_code", (int)status);
        Errors.Add(1, new KeyValuePair<string, object?>("status", (int)status));
    }
}
