using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>The embedded Direct Line 3.0 channel (section <c>DirectLine</c>).</summary>
public sealed class DirectLineOptions : IValidatableObject
{
    public const string Section = "DirectLine";

    /// <summary>
    /// The Direct Line secret servers use as <c>Authorization: Bearer &lt;secret&gt;</c> for tokens/generate and
    /// conversations. Tokens are signed with a key derived from it, so they survive a restart. Empty: no secret is
    /// accepted and tokens are signed with a random per-process key (only the page's token endpoint issues them).
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>How long a token is valid; tokens/refresh extends it.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>An expired token may still be exchanged at the page's token endpoint for this long (same conversation).</summary>
    public TimeSpan ResumeWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the server sends an empty keep-alive message on each stream.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// With PostgreSQL (several instances): how often every stream open on this instance is compared with the store and
    /// catches up on what another instance appended whose notification was lost. Not used with SQLite.
    /// </summary>
    public TimeSpan CatchUpInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest upload body (all files together); larger uploads get 413.</summary>
    [Range(1024, 512 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest posted activity; larger bodies get 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxActivityBytes { get; set; } = 256 * 1024;

    /// <summary>The bot's account as Direct Line clients see it.</summary>
    [Required]
    public string BotId { get; set; } = "handoffbot";

    [Required]
    public string BotName { get; set; } = "HandoffBot";

    /// <summary>Requests per window per token (or per client address without one) on /v3/directline.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerWindow { get; set; } = 300;

    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Origins allowed to frame the customer page (CSP frame-ancestors), e.g. <c>'self' https://shop.example</c>.</summary>
    [Required]
    public string PageFrameAncestors { get; set; } = "'self'";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TokenLifetime < TimeSpan.FromMinutes(1) || TokenLifetime > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult("DirectLine:TokenLifetime must be between 00:01:00 and 1.00:00:00.", [nameof(TokenLifetime)]);
        }
        if (ResumeWindow < TimeSpan.Zero)
        {
            yield return new ValidationResult("DirectLine:ResumeWindow must not be negative.", [nameof(ResumeWindow)]);
        }
        if (KeepAliveInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("DirectLine:KeepAliveInterval must be at least 00:00:01.", [nameof(KeepAliveInterval)]);
        }
        if (CatchUpInterval < TimeSpan.FromMilliseconds(200) || CatchUpInterval > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("DirectLine:CatchUpInterval must be between 00:00:00.2 and 00:01:00.", [nameof(CatchUpInterval)]);
        }
        if (RateLimitWindow < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("DirectLine:RateLimitWindow must be at least 00:00:01.", [nameof(RateLimitWindow)]);
        }
        if (Secret is { Length: > 0 and < 16 })
        {
            yield return new ValidationResult("DirectLine:Secret must be at least 16 characters.", [nameof(Secret)]);
        }
    }
}
