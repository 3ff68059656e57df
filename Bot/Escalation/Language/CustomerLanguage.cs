using System.Collections.Frozen;
using Lingua;

namespace HandoffBot.Escalation.Language;

/// <summary>The language of a customer message, when the channel does not say (no activity locale).</summary>
public interface ICustomerLanguage
{
    /// <summary>An ISO 639-1 code (<c>en</c>, <c>de</c>, ...), or null when the text is too short or unclear.</summary>
    string? Detect(string text);
}

/// <summary>
/// SearchPioneer.Lingua over the languages the bot ships lexicons or copy for (English, German, French, Spanish,
/// Italian, Dutch, Portuguese; their models are copied to <c>Lingua/LanguageModels</c>, loaded once per process on
/// first use). Messages under <see cref="MinimumWords"/> words are not judged ("ok", "agent" are English enough and
/// too short to tell), nor is a text whose best two languages are too close.
/// </summary>
public sealed class LinguaCustomerLanguage : ICustomerLanguage
{
    public const int MinimumWords = 3;

    private static readonly FrozenDictionary<Lingua.Language, string> Codes = new Dictionary<Lingua.Language, string>
    {
        [Lingua.Language.English] = "en",
        [Lingua.Language.German] = "de",
        [Lingua.Language.French] = "fr",
        [Lingua.Language.Spanish] = "es",
        [Lingua.Language.Italian] = "it",
        [Lingua.Language.Dutch] = "nl",
        [Lingua.Language.Portuguese] = "pt",
    }.ToFrozenDictionary();

    private static readonly Lazy<LanguageDetector> Shared = new(() => LanguageDetectorBuilder
        .FromLanguages([.. Codes.Keys])
        .WithMinimumRelativeDistance(0.1)
        .WithLanguageModelsDirectory(Path.Combine(AppContext.BaseDirectory, "Lingua", "LanguageModels"))
        .Build());

    public string? Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length < MinimumWords)
        {
            return null;
        }
        return Codes.GetValueOrDefault(Shared.Value.DetectLanguageOf(text));
    }
}
