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
        admin.MapGet("/audit", ReadAuditAsync);
        admin.MapGet("/configuration", (IConfiguration configuration) => TypedResults.Ok(Redacted(configuration)));
        return endpoints;
    }

    // GET /api/admin/audit?limit=&from=&until=: the newest entries, optionally only those in [from, until).
    private static async Task<Results<Ok<IReadOnlyList<AccessAuditEntry>>, ProblemHttpResult>> ReadAuditAsync(
        IAccessAudit audit, int? limit, DateTimeOffset? from, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        var count = Math.Clamp(limit ?? 100, 1, 1000);
        if (from is null && until is null)
        {
            return TypedResults.Ok(await audit.ReadAsync(count, cancellationToken));
        }
        var start = from ?? DateTimeOffset.MinValue;
        var end = until ?? DateTimeOffset.MaxValue;
        if (start >= end)
        {
            return MessagesEndpoint.Problem(StatusCodes.Status400BadRequest, "Invalid range", "'from' must be before 'until'.");
        }
        return TypedResults.Ok(await audit.ReadRangeAsync(start, end, count, cancellationToken));
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
