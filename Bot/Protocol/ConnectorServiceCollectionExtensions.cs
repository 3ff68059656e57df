namespace HandoffBot.Protocol;

public static class ConnectorServiceCollectionExtensions
{
    public static IServiceCollection AddConnectorClient(this IServiceCollection services)
    {
        services.AddSingleton<IOutboundTokenProvider, NoTokenProvider>();
        services.AddHttpClient<IConnectorClient, ConnectorClient>(ConnectorClient.HttpClientName);
        return services;
    }

    private sealed class NoTokenProvider : IOutboundTokenProvider
    {
        public ValueTask<string?> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);
    }
}
