using HandoffBot.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HandoffBot.Hosting;

public static class HealthEndpoints
{
    public static IServiceCollection AddHandoffHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);
        return services;
    }

    /// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (storage reachable), in every environment.</summary>
    public static IEndpointRouteBuilder MapHandoffHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return endpoints;
    }

    private sealed class StorageHealthCheck(IStorageHealth storage) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await storage.PingAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception)
            {
                return HealthCheckResult.Unhealthy("Storage is not reachable.", exception);
            }
        }
    }
}
