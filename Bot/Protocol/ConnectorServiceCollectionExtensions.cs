using HandoffBot.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Protocol;

public static class ConnectorServiceCollectionExtensions
{
    /// <summary>
    /// The Connector client (typed HttpClient with retries and timeouts) and the outbound token provider:
    /// none in local mode (no MicrosoftAppId), client credentials otherwise.
    /// </summary>
    public static IServiceCollection AddConnectorClient(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ConnectorOptions>().BindConfiguration(ConnectorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OutboundTokenOptions>().BindConfiguration(OutboundTokenOptions.Section).ValidateDataAnnotations()
            .Validate<IOptions<BotIdentityOptions>>(
                (_, identity) => identity.Value.IsLocalMode || !string.Equals(identity.Value.MicrosoftAppType, "UserAssignedMSI", StringComparison.OrdinalIgnoreCase),
                "MicrosoftAppType UserAssignedMSI is not supported for outbound tokens; use MultiTenant or SingleTenant with MicrosoftAppPassword.")
            .ValidateOnStart();

        services.AddHttpClient(ClientCredentialsTokenProvider.HttpClientName, (sp, client) =>
            client.Timeout = sp.GetRequiredService<IOptions<OutboundTokenOptions>>().Value.RequestTimeout);
        services.TryAddSingleton<ClientCredentialsTokenProvider>();
        services.TryAddSingleton<IOutboundTokenProvider>(sp => sp.GetRequiredService<IOptions<BotIdentityOptions>>().Value.IsLocalMode
            ? NoTokenProvider.Instance
            : sp.GetRequiredService<ClientCredentialsTokenProvider>());

        // Polly owns the timeouts (per attempt and in total), on the injected TimeProvider.
        services.AddHttpClient<IConnectorClient, ConnectorClient>(ConnectorClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler(ConnectorResilience.PipelineName, static (builder, context) => ConnectorResilience.Configure(
                builder,
                context.ServiceProvider.GetRequiredService<IOptions<ConnectorOptions>>().Value,
                context.ServiceProvider.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Local mode (Emulator, tests): outbound calls carry no Authorization header.</summary>
    internal sealed class NoTokenProvider : IOutboundTokenProvider
    {
        public static NoTokenProvider Instance { get; } = new();

        public ValueTask<string?> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);
    }
}
