using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Telemetry;

/// <summary>Who may read the Prometheus scrape endpoint.</summary>
public enum MetricsScrape
{
    /// <summary>Requests from a loopback address, or from a caller with the admin role.</summary>
    Loopback = 0,

    /// <summary>Only callers with the admin role.</summary>
    Admin = 1,

    /// <summary>No endpoint (metrics still go to OTLP or Azure Monitor when configured).</summary>
    Off = 2,
}

/// <summary>
/// Telemetry: traces, metrics and logs through OpenTelemetry. OTLP when <see cref="OtlpEndpoint"/> (or the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) is set; Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set;
/// a Prometheus scrape endpoint at <see cref="MetricsPath"/>.
/// </summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>The Application Insights connection string's configuration key (the environment variable Azure sets).</summary>
    public const string AzureMonitorKey = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Policy of the scrape endpoint: loopback callers (in <see cref="MetricsScrape.Loopback"/> mode) or the admin role.</summary>
    public const string MetricsPolicy = "HandoffMetrics";

    /// <summary>service.name of every span, metric and log record.</summary>
    public string ServiceName { get; set; } = "handoffbot";

    /// <summary>OTLP collector, e.g. http://localhost:4317 (gRPC) or http://localhost:4318 (with <see cref="OtlpProtocol"/> HttpProtobuf); empty: off.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>Grpc</c> (default) or <c>HttpProtobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "Grpc";

    public MetricsScrape MetricsScrape { get; set; } = MetricsScrape.Loopback;

    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>How often the outbox backlog gauge is read from the store.</summary>
    public TimeSpan BacklogInterval { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ServiceName))
        {
            yield return new ValidationResult($"{Section}:ServiceName must not be empty.", [nameof(ServiceName)]);
        }
        if (!string.IsNullOrEmpty(OtlpEndpoint)
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"{Section}:OtlpEndpoint '{OtlpEndpoint}' is not an absolute http(s) URL.", [nameof(OtlpEndpoint)]);
        }
        if (OtlpProtocol is not ("Grpc" or "HttpProtobuf"))
        {
            yield return new ValidationResult($"{Section}:OtlpProtocol must be Grpc or HttpProtobuf, not '{OtlpProtocol}'.", [nameof(OtlpProtocol)]);
        }
        if (!MetricsPath.StartsWith('/') || MetricsPath.Length < 2)
        {
            yield return new ValidationResult($"{Section}:MetricsPath must be a path such as /metrics.", [nameof(MetricsPath)]);
        }
        if (!Enum.IsDefined(MetricsScrape))
        {
            yield return new ValidationResult($"{Section}:MetricsScrape must be Loopback, Admin or Off.", [nameof(MetricsScrape)]);
        }
        if (BacklogInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult($"{Section}:BacklogInterval must be at least one second.", [nameof(BacklogInterval)]);
        }
    }
}
