using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Handoff;

/// <summary>The handoff's settings (section <c>Handoff</c>); the hub address is <c>Handoff:Hub</c>.</summary>
public sealed class HandoffOptions : IValidatableObject
{
    public const string Section = "Handoff";

    public HubOptions Hub { get; set; } = new();

    /// <summary>The least time between two "your position changed" messages to one customer.</summary>
    public TimeSpan PositionUpdateInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>After a handback the same reason does not escalate again within this span (unless the customer asks).</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// With several instances (PostgreSQL): how often the agent console's feed reads the shared event log when no
    /// notification said so, the safety net for notifications that were lost. Other instances' events arrive by NOTIFY
    /// at once; on SQLite (one process) the feed reads only after this instance's own commits and this is not used.
    /// </summary>
    public TimeSpan EventCatchUpInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often offers, waits and the outbox are looked at.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Delay before a failed delivery is tried again (doubled per attempt, at most <see cref="OutboxMaxRetryDelay"/>).</summary>
    public TimeSpan OutboxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest back-off between two attempts of a failing delivery without Retry-After: once a channel is back, its
    /// rows go at most this long later.
    /// </summary>
    public TimeSpan OutboxMaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A delivery that still fails (not a 429) once its row is this old is given up: it stays in the outbox marked failed
    /// (never dropped silently) and the later rows of its destination go on. By age, not by attempts: a channel that
    /// answers 503 with a short Retry-After is tried often, and would use up a count of attempts in seconds.
    /// </summary>
    public TimeSpan OutboxGiveUpAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How fast the outbox sends into one conversation and one channel endpoint (<c>Handoff:Pacing</c>); a 429 is throttling, not a failed attempt.</summary>
    public OutboxPacingOptions Pacing { get; set; } = new();

    /// <summary>Sample customers loaded into the profile store on first use (relative to the application folder).</summary>
    public string CustomerProfilesPath { get; set; } = "Knowledge/customers.json";

    /// <summary>How many of the customer's last messages the hub card shows.</summary>
    [Range(1, 50)]
    public int CardMessages { get; set; } = 5;

    /// <summary>Per category (<c>fraud</c>, <c>billing_dispute</c>, ... and <c>default</c>): suggested next steps for the agent.</summary>
    public Dictionary<string, List<string>> Playbooks { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Hub channels that understand <c>handoff.initiate</c> / <c>handoff.status</c> events (others get cards).</summary>
    public List<string> EventChannels { get; set; } = ["emulator", "directline", "webchat", "console"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PositionUpdateInterval < TimeSpan.Zero || Cooldown < TimeSpan.Zero)
        {
            yield return new ValidationResult("Handoff:PositionUpdateInterval and Handoff:Cooldown must not be negative.");
        }
        if (SweepInterval <= TimeSpan.Zero || OutboxRetryDelay <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Handoff:SweepInterval and Handoff:OutboxRetryDelay must be positive.");
        }
        if (EventCatchUpInterval < TimeSpan.FromMilliseconds(500) || EventCatchUpInterval > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("Handoff:EventCatchUpInterval must be between 00:00:00.5 and 00:05:00.", [nameof(EventCatchUpInterval)]);
        }
        if (OutboxMaxRetryDelay < OutboxRetryDelay || OutboxMaxRetryDelay > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Handoff:OutboxMaxRetryDelay must be at least Handoff:OutboxRetryDelay and at most 01:00:00.", [nameof(OutboxMaxRetryDelay)]);
        }
        if (OutboxGiveUpAfter < TimeSpan.Zero || OutboxGiveUpAfter > TimeSpan.FromDays(30))
        {
            yield return new ValidationResult("Handoff:OutboxGiveUpAfter must be between 00:00:00 and 30.00:00:00.", [nameof(OutboxGiveUpAfter)]);
        }
        foreach (var result in Pacing.Validate())
        {
            yield return result;
        }
        foreach (var result in Hub.Validate())
        {
            yield return result;
        }
    }
}

/// <summary>
/// The agent hub as a conversation address: an Emulator / Direct Line conversation, or a Teams channel (each
/// handoff then opens its own thread there).
/// </summary>
public sealed class HubOptions
{
    /// <summary><c>msteams</c>, <c>emulator</c>, <c>directline</c>, ... Empty: no hub configured.</summary>
    public string? ChannelId { get; set; }

    public string? ServiceUrl { get; set; }

    /// <summary>The hub conversation (Emulator, Direct Line, a Teams group chat).</summary>
    public string? ConversationId { get; set; }

    /// <summary>A Teams channel id (<c>19:...@thread.tacv2</c>): each handoff opens a new thread in it.</summary>
    public string? TeamsChannelId { get; set; }

    public string? TenantId { get; set; }

    /// <summary>The bot's id and name in the hub (Teams: <c>28:{app id}</c>).</summary>
    public string? BotId { get; set; }

    public string BotName { get; set; } = "HandoffBot";

    /// <summary>The language agents read the hub's replies, offers and cards in (<c>en</c>, <c>de</c>, ...).</summary>
    public string Locale { get; set; } = "en";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ChannelId);

    public bool IsTeams => string.Equals(ChannelId, "msteams", StringComparison.OrdinalIgnoreCase);

    public bool UsesTeamsThreads => IsTeams && !string.IsNullOrWhiteSpace(TeamsChannelId);

    internal IEnumerable<ValidationResult> Validate()
    {
        if (!IsConfigured)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(Locale))
        {
            yield return new ValidationResult("Handoff:Hub:Locale must name a language (e.g. 'en' or 'de').");
        }
        if (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"Handoff:Hub:ServiceUrl '{ServiceUrl}' is not an absolute http(s) URL (the hub channel's serviceUrl).");
        }
        if (string.IsNullOrWhiteSpace(ConversationId) && string.IsNullOrWhiteSpace(TeamsChannelId))
        {
            yield return new ValidationResult("Handoff:Hub needs ConversationId (a hub conversation) or TeamsChannelId (a Teams channel).");
        }
        if (!string.IsNullOrWhiteSpace(TeamsChannelId) && !IsTeams)
        {
            yield return new ValidationResult("Handoff:Hub:TeamsChannelId needs Handoff:Hub:ChannelId 'msteams'.");
        }
    }
}
