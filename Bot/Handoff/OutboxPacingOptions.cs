using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Handoff;

/// <summary>At most <see cref="Limit"/> sends in any span of <see cref="Window"/> (a sliding window).</summary>
public sealed class OutboxRateWindow
{
    public int Limit { get; set; }

    public TimeSpan Window { get; set; }

    public static OutboxRateWindow Of(int limit, TimeSpan window) => new() { Limit = limit, Window = window };
}

/// <summary>
/// How fast the outbox sends into one channel (section <c>Handoff:Pacing</c>): per destination conversation and per
/// channel endpoint (serviceUrl and tenant, Teams' "per app per tenant"), each a set of sliding windows, for the channels
/// in <see cref="Channels"/>. A list left out of configuration keeps its default; one given replaces it (not appended to).
/// The budgets are per instance.
/// </summary>
public sealed class OutboxPacingOptions
{
    public const int MaxWindows = 8;

    /// <summary>Teams' documented "send to conversation" limits per bot per thread (2026-12-02): 7/1 s, 8/2 s, 60/30 s, 1800/1 h.</summary>
    public static IReadOnlyList<OutboxRateWindow> TeamsConversationDefaults { get; } =
    [
        OutboxRateWindow.Of(7, TimeSpan.FromSeconds(1)),
        OutboxRateWindow.Of(8, TimeSpan.FromSeconds(2)),
        OutboxRateWindow.Of(60, TimeSpan.FromSeconds(30)),
        OutboxRateWindow.Of(1800, TimeSpan.FromHours(1)),
    ];

    /// <summary>30 requests per second per channel endpoint: below Teams' documented global 50 per app per tenant, leaving room for what is not paced.</summary>
    public static IReadOnlyList<OutboxRateWindow> EndpointDefaults { get; } = [OutboxRateWindow.Of(30, TimeSpan.FromSeconds(1))];

    /// <summary>The channels (<c>msteams</c>, ...) whose sends are paced; null: <c>msteams</c> only. A 429 holds a conversation on any channel.</summary>
    public List<string>? Channels { get; set; }

    /// <summary>Limits per destination conversation; null: <see cref="TeamsConversationDefaults"/>.</summary>
    public List<OutboxRateWindow>? PerConversation { get; set; }

    /// <summary>Limits per channel endpoint (serviceUrl + tenant); null: <see cref="EndpointDefaults"/>.</summary>
    public List<OutboxRateWindow>? PerEndpoint { get; set; }

    public IReadOnlyList<string> PacedChannels => Channels is { Count: > 0 } channels ? channels : ["msteams"];

    public IReadOnlyList<OutboxRateWindow> ConversationLimits => PerConversation is { Count: > 0 } limits ? limits : TeamsConversationDefaults;

    public IReadOnlyList<OutboxRateWindow> EndpointLimits => PerEndpoint is { Count: > 0 } limits ? limits : EndpointDefaults;

    internal IEnumerable<ValidationResult> Validate()
    {
        if (PacedChannels.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("Handoff:Pacing:Channels must name channels (e.g. 'msteams').");
        }
        foreach (var (name, limits) in new[] { ("PerConversation", ConversationLimits), ("PerEndpoint", EndpointLimits) })
        {
            if (limits.Count > MaxWindows)
            {
                yield return new ValidationResult($"Handoff:Pacing:{name} has {limits.Count} windows; at most {MaxWindows}.");
            }
            for (var i = 0; i < limits.Count; i++)
            {
                if (limits[i].Limit is < 1 or > 100_000 || limits[i].Window <= TimeSpan.Zero || limits[i].Window > TimeSpan.FromDays(1))
                {
                    yield return new ValidationResult(
                        $"Handoff:Pacing:{name}:{i} must have a Limit between 1 and 100000 and a Window between 00:00:00 (exclusive) and 1.00:00:00 (got {limits[i].Limit} per {limits[i].Window}).");
                }
            }
        }
    }
}
