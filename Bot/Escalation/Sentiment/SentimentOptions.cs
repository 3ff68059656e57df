using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Escalation.Sentiment;

/// <summary>Sentiment analysis settings (section <c>Sentiment</c>), validated at start-up.</summary>
public sealed class SentimentOptions : IValidatableObject
{
    public const string Section = "Sentiment";

    /// <summary>The VADER lexicon, relative to the application folder (fetched there at build time).</summary>
    public string LexiconPath { get; set; } = "Lexicon/vader_lexicon.txt";

    /// <summary>Apply the customer-service frustration cues (see CustomerServiceCues).</summary>
    public bool CustomerServiceCues { get; set; } = true;

    /// <summary>More cue phrases, or other valences for the built-in ones: phrase -> valence in [-4,4].</summary>
    public Dictionary<string, double> ExtraCues { get; set; } = [];

    /// <summary>|compound| a sentence needs to count as clearly positive or negative; both in one message = mixed.</summary>
    [Range(0.05, 1.0)]
    public double MixedThreshold { get; set; } = VaderSentimentAnalyzer.DefaultMixedThreshold;

    public AzureLanguageOptions Azure { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(LexiconPath))
        {
            yield return new ValidationResult("Sentiment:LexiconPath must name the VADER lexicon file.", [nameof(LexiconPath)]);
        }
        foreach (var (phrase, valence) in ExtraCues)
        {
            if (string.IsNullOrWhiteSpace(phrase) || !double.IsFinite(valence) || valence is < -4 or > 4)
            {
                yield return new ValidationResult(
                    $"Sentiment:ExtraCues: '{phrase}' = {valence} is not valid: a phrase needs words and a valence in [-4,4].",
                    [nameof(ExtraCues)]);
            }
        }
        foreach (var result in Azure.Validate())
        {
            yield return result;
        }
    }
}

/// <summary>
/// Azure AI Language (<c>Sentiment:Azure</c>). Used when both <see cref="Endpoint"/> and <see cref="Key"/> are set;
/// the local analyzer answers whenever the service fails or is slow.
/// </summary>
public sealed class AzureLanguageOptions
{
    public const string ApiVersion = "2024-11-01";

    /// <summary>The Language resource, e.g. <c>https://myresource.cognitiveservices.azure.com</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The resource key (Ocp-Apim-Subscription-Key). Keep it in user secrets or the environment.</summary>
    public string? Key { get; set; }

    /// <summary>Language sent when the caller gives none.</summary>
    public string DefaultLanguage { get; set; } = "en";

    /// <summary>Whole-call budget, retries included; past it the local analyzer answers.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Retries on 429 and 5xx (Retry-After honoured).</summary>
    public int MaxRetries { get; set; } = 2;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint) && !string.IsNullOrWhiteSpace(Key);

    internal IEnumerable<ValidationResult> Validate()
    {
        var hasEndpoint = !string.IsNullOrWhiteSpace(Endpoint);
        var hasKey = !string.IsNullOrWhiteSpace(Key);
        if (hasEndpoint != hasKey)
        {
            yield return new ValidationResult(
                "Sentiment:Azure:Endpoint and Sentiment:Azure:Key go together: set both to use Azure AI Language, or neither for the local analyzer.");
        }
        if (hasEndpoint && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
        {
            yield return new ValidationResult($"Sentiment:Azure:Endpoint '{Endpoint}' is not an absolute http(s) URL.");
        }
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(2))
        {
            yield return new ValidationResult($"Sentiment:Azure:Timeout {Timeout} must be above zero and at most 2 minutes.");
        }
        if (MaxRetries is < 0 or > 10)
        {
            yield return new ValidationResult($"Sentiment:Azure:MaxRetries {MaxRetries} must be between 0 and 10.");
        }
        if (string.IsNullOrWhiteSpace(DefaultLanguage))
        {
            yield return new ValidationResult("Sentiment:Azure:DefaultLanguage must be a language code such as 'en'.");
        }
    }
}
