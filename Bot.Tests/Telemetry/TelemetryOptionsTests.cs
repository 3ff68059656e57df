using HandoffBot.Tests.Support;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Telemetry;

public sealed class TelemetryOptionsTests
{
    private static readonly (string Key, string Value, string Expected)[] BadSettings =
    [
        ("Telemetry:OtlpEndpoint", "collector:4317", "Telemetry:OtlpEndpoint 'collector:4317' is not an absolute http(s) URL"),
        ("Telemetry:OtlpProtocol", "Thrift", "Telemetry:OtlpProtocol must be Grpc or HttpProtobuf"),
        ("Telemetry:MetricsPath", "metrics", "Telemetry:MetricsPath must be a path"),
        ("Telemetry:BacklogInterval", "00:00:00.100", "Telemetry:BacklogInterval must be at least one second"),
    ];

    [Fact]
    public void BadTelemetrySettingsStopStartUpWithAMessageNamingTheKey()
    {
        foreach (var (key, value, expected) in BadSettings)
        {
            using var factory = new BotFactory().With(key, value);
            var failure = factory.StartupFailure();
            Assert.True(failure is OptionsValidationException && failure.Message.Contains(expected, StringComparison.Ordinal), $"{key}={value}: {failure}");
        }
    }

    [Fact]
    public async Task WithScrapingOffThereIsNoMetricsEndpoint()
    {
        await using var factory = new BotFactory().With("Telemetry:MetricsScrape", "Off");
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.AdminApiKey);

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }
}
