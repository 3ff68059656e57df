using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Protocol.Authentication;

/// <summary>
/// Where the bot finds the keys that sign channel and Emulator tokens. The defaults are the public Bot Framework
/// and Microsoft Entra endpoints; tests point them at a loopback server.
/// </summary>
public sealed class ChannelAuthenticationOptions : IValidatableObject
{
    public const string Section = "ChannelAuthentication";

    [Required]
    public string ChannelOpenIdMetadataUrl { get; set; } = "https://login.botframework.com/v1/.well-known/openidconfiguration";

    [Required]
    public string EmulatorOpenIdMetadataUrl { get; set; } = "https://login.microsoftonline.com/botframework.com/v2.0/.well-known/openid-configuration";

    /// <summary>How long fetched signing keys are used before they are fetched again.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Least time between two refreshes caused by a token with an unknown key id.</summary>
    public TimeSpan UnknownKeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Tolerated clock difference for exp/nbf.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { (nameof(ChannelOpenIdMetadataUrl), ChannelOpenIdMetadataUrl), (nameof(EmulatorOpenIdMetadataUrl), EmulatorOpenIdMetadataUrl) })
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback))
            {
                yield return new ValidationResult($"{Section}:{name} must be an absolute https URL (http only on loopback), got '{value}'.", [name]);
            }
        }
        if (KeyRefreshInterval <= TimeSpan.Zero || UnknownKeyRefreshInterval < TimeSpan.Zero || ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult($"{Section}: KeyRefreshInterval must be positive, UnknownKeyRefreshInterval not negative, ClockSkew between 0 and 10 minutes.");
        }
    }
}
