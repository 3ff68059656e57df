using HandoffBot.Hosting.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HandoffBot.Hosting;

/// <summary>Admin views: the access audit log and the effective configuration with secrets redacted.</summary>
public static class AdminEndpoints
{
    private static readonly string[] SecretMarkers = ["password", "secret", "key", "connectionstring", "token"];

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/api/admin").RequireAuthorization(AccessPolicies.Admin);
        admin.MapGet("/audit", async (IAccessAudit audit, CancellationToken cancellationToken, int? limit) =>
            TypedResults.Ok(await audit.ReadAsync(Math.Clamp(limit ?? 100, 1, 1000), cancellationToken)));
        admin.MapGet("/configuration", (IConfiguration configuration) => TypedResults.Ok(Redacted(configuration)));
        return endpoints;
    }

    /// <summary>Every configuration value the bot reads, with anything that looks like a secret replaced.</summary>
    public static SortedDictionary<string, string?> Redacted(IConfiguration configuration)
    {
        var result = new SortedDictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is null || key.Contains("__", StringComparison.Ordinal) || !IsOurs(key))
            {
                continue;
            }
            var leaf = key[(key.LastIndexOf(':') + 1)..];
            result[key] = SecretMarkers.Any(m => leaf.Contains(m, StringComparison.OrdinalIgnoreCase)) && value.Length > 0 ? "(redacted)" : value;
        }
        return result;
    }

    private static bool IsOurs(string key) =>
        !key.StartsWith("ASPNETCORE", StringComparison.OrdinalIgnoreCase) && !key.StartsWith("DOTNET", StringComparison.OrdinalIgnoreCase)
        && key.IndexOfAny(['/', '\\']) < 0 && !key.Contains("PATH", StringComparison.Ordinal) && char.IsUpper(key[0]);
}
