using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Protocol;

/// <summary>
/// Retries and timeouts of Connector calls. A call makes at most <see cref="MaxRetryAttempts"/> + 1 attempts,
/// each cut off after <see cref="AttemptTimeout"/>, all of them within <see cref="TotalTimeout"/>.
/// </summary>
public sealed class ConnectorOptions : IValidatableObject
{
    public const string Section = "Connector";

    /// <summary>Retries after the first attempt (429, 500, 502, 503, 504, timeouts, connection failures).</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Base of the exponential back-off (with jitter) when the channel gives no Retry-After.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest Retry-After the client waits for; a longer one fails the call at once (with RetryAfter set).</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>One attempt is abandoned (and retried) after this long.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The whole call, retries and waits included, fails after this long.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryBaseDelay < TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Connector:RetryBaseDelay must be between 00:00:00 and 00:01:00.", [nameof(RetryBaseDelay)]);
        }
        if (MaxRetryAfter < TimeSpan.Zero || MaxRetryAfter > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult("Connector:MaxRetryAfter must be between 00:00:00 and 00:10:00.", [nameof(MaxRetryAfter)]);
        }
        if (AttemptTimeout < TimeSpan.FromMilliseconds(100) || AttemptTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("Connector:AttemptTimeout must be between 00:00:00.1 and 00:05:00.", [nameof(AttemptTimeout)]);
        }
        if (TotalTimeout < AttemptTimeout || TotalTimeout > TimeSpan.FromMinutes(30))
        {
            yield return new ValidationResult("Connector:TotalTimeout must be at least Connector:AttemptTimeout and at most 00:30:00.", [nameof(TotalTimeout)]);
        }
    }
}
