using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Routing;

public static class HandoffRoutingServiceCollectionExtensions
{
    /// <summary>
    /// The routing engine (singleton, policy from <c>Routing:Policy</c>), the built-in policies, the options
    /// (validated at start-up) and the SQLite agent directory. Register more policies as <see cref="IRoutingPolicy"/>.
    /// </summary>
    public static IServiceCollection AddHandoffRouting(this IServiceCollection services)
    {
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRoutingPolicy, LeastBusyPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRoutingPolicy, RoundRobinPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRoutingPolicy, LongestIdlePolicy>());
        services.TryAddSingleton<IRoutingEngine, RoutingEngine>();
        services.AddSingleton<ISqliteSchema, SqliteAgentDirectory.Schema>();
        services.TryAddSingleton<IAgentDirectory, SqliteAgentDirectory>();
        return services;
    }
}
