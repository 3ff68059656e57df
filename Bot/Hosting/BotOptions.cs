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
}
