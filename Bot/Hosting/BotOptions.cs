using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Hosting;

/// <summary>
/// The bot's identity, under the root key names the Bot Framework templates use.
/// An empty MicrosoftAppId means local mode: no inbound or outbound authentication (Emulator, tests).
/// </summary>
public sealed class BotIdentityOptions : IValidatableObject
{
    public string? MicrosoftAppType { get; set; }
    public string? MicrosoftAppId { get; set; }
    public string? MicrosoftAppPassword { get; set; }
    public string? MicrosoftAppTenantId { get; set; }

    public bool IsLocalMode => string.IsNullOrWhiteSpace(MicrosoftAppId);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MicrosoftAppType is { Length: > 0 } type
            && !type.Equals("MultiTenant", StringComparison.OrdinalIgnoreCase)
            && !type.Equals("SingleTenant", StringComparison.OrdinalIgnoreCase)
            && !type.Equals("UserAssignedMSI", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"MicrosoftAppType '{type}' is not one of MultiTenant, SingleTenant, UserAssignedMSI.", [nameof(MicrosoftAppType)]);
        }
        if (MicrosoftAppType?.Equals("SingleTenant", StringComparison.OrdinalIgnoreCase) == true && string.IsNullOrWhiteSpace(MicrosoftAppTenantId))
        {
            yield return new ValidationResult("MicrosoftAppType SingleTenant needs MicrosoftAppTenantId.", [nameof(MicrosoftAppTenantId)]);
        }
        if (!IsLocalMode && string.IsNullOrWhiteSpace(MicrosoftAppPassword)
            && MicrosoftAppType?.Equals("UserAssignedMSI", StringComparison.OrdinalIgnoreCase) != true)
        {
            yield return new ValidationResult("MicrosoftAppId is set but MicrosoftAppPassword is empty.", [nameof(MicrosoftAppPassword)]);
        }
    }
}

public sealed class MessagesOptions
{
    public const string Section = "Messages";

    /// <summary>Largest accepted /api/messages body; larger bodies get 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// How many queued turns (activities not sent with expectReplies) run at once. Turns of one conversation always run
    /// one at a time, in arrival order; a turn mostly waits (SQLite commits, Connector calls), so this is far above
    /// the core count: with 4 lanes, 500 customers asking for a person at once waited up to 2 s for their lane.
    /// </summary>
    [Range(1, 4096)]
    public int QueuedTurnLanes { get; set; } = 64;

    /// <summary>
    /// While the database is away (<see cref="Storage.StorageFaults"/>): the Retry-After of /api/messages' 503, and how
    /// long a queued turn that failed on it waits before it runs again. A few seconds: a PostgreSQL restart or failover
    /// takes that long, and the channels retry a 503 on their own schedule anyway.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan StorageRetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}
