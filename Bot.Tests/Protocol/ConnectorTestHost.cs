using HandoffBot.Hosting;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Protocol;

/// <summary>The Connector client and token provider as the bot registers them, on fake time and test settings.</summary>
internal static class ConnectorTestHost
{
    public static ServiceProvider Build(TimerWatchingTimeProvider time, IReadOnlyDictionary<string, string?>? settings = null, IOutboundTokenProvider? tokens = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddOptions<BotIdentityOptions>().Bind(configuration);
        if (tokens is not null)
        {
            services.AddSingleton(tokens);
        }
        services.AddConnectorClient();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static TimerWatchingTimeProvider NewTime() => new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
}
