using System.Globalization;
using System.Text.RegularExpressions;
using HandoffBot.Hosting;
using HandoffBot.Hosting.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HandoffBot.Analytics;

/// <summary>
/// <c>GET /api/analytics/summary?from=&amp;to=</c> (JSON) and <c>/api/analytics/summary.csv</c> (or <c>format=csv</c>):
/// supervisors and admins (API key or JWT). The console's supervisor page reads the same handler under
/// <c>/agent/api/supervisor/analytics</c> with its session cookie.
/// </summary>
public static partial class AnalyticsEndpoints
{
    public static IEndpointRouteBuilder MapAnalytics(this IEndpointRouteBuilder endpoints)
    {
        var analytics = endpoints.MapGroup("/api/analytics").RequireAuthorization(AccessPolicies.Supervisor);
        analytics.MapGet("/summary", SummaryAsync);
        analytics.MapGet("/summary.csv", (string? from, string? to, HandoffAnalytics figures, CancellationToken ct) => SummaryAsync(from, to, "csv", figures, ct));
        return endpoints;
    }

    /// <summary>The summary of [from, to) as JSON, or CSV with <paramref name="format"/> <c>csv</c>; ProblemDetails for a bad period.</summary>
    public static async Task<IResult> SummaryAsync(string? from, string? to, string? format, HandoffAnalytics figures, CancellationToken ct)
    {
        if (format is not (null or "json" or "csv"))
        {
            return Problem("Unknown format", "format must be json or csv.");
        }
        if (ParsePeriod(from, to) is { Problem: { } problem })
        {
            return problem;
        }
        var (start, end, _) = ParsePeriod(from, to);
        var summary = await figures.SummarizeAsync(start, end, ct);
        if (format == "csv")
        {
            var name = $"handoff-analytics-{start.UtcDateTime:yyyyMMdd'T'HHmm'Z'}-{end.UtcDateTime:yyyyMMdd'T'HHmm'Z'}.csv";
            return Results.File(System.Text.Encoding.UTF8.GetBytes(AnalyticsCsv.Write(summary)), "text/csv; charset=utf-8", name);
        }
        return Results.Json(summary);
    }

    /// <summary>Both ends as ISO 8601 instants (a date, a time and Z or an offset), from before to, at most <see cref="HandoffAnalytics.MaxPeriod"/> apart.</summary>
    public static (DateTimeOffset From, DateTimeOffset To, ProblemHttpResult? Problem) ParsePeriod(string? from, string? to)
    {
        if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
        {
            return (default, default, Problem("Period missing", "Give the period as from and to, ISO 8601 instants such as 2026-12-01T00:00:00Z."));
        }
        if (Instant(from) is not { } start)
        {
            return (default, default, Problem("Invalid from", $"'from' is not an ISO 8601 instant with Z or an offset (for example 2026-12-01T00:00:00Z)."));
        }
        if (Instant(to) is not { } end)
        {
            return (default, default, Problem("Invalid to", $"'to' is not an ISO 8601 instant with Z or an offset (for example 2026-12-02T00:00:00Z)."));
        }
        if (end <= start)
        {
            return (default, default, Problem("Reversed period", "'to' must be after 'from'."));
        }
        if (end - start > HandoffAnalytics.MaxPeriod)
        {
            return (default, default, Problem("Period too long", $"A period spans at most {HandoffAnalytics.MaxPeriod.TotalDays:0} days."));
        }
        return (start, end, null);
    }

    private static DateTimeOffset? Instant(string text) =>
        text.Length <= 40 && InstantPattern().IsMatch(text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) ? value : null;

    private static ProblemHttpResult Problem(string title, string detail) => MessagesEndpoint.Problem(StatusCodes.Status400BadRequest, title, detail);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex InstantPattern();
}
