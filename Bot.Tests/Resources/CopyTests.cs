using HandoffBot.Resources;
using Microsoft.Extensions.Logging;

namespace HandoffBot.Tests.Resources;

public sealed class CopyTests : IDisposable
{
    private readonly ScratchFolder _folder = new ScratchFolder()
        .With("greeting.en.json", """{ "greeting.hello": "Hello {name}", "greeting.bye": "Goodbye" }""")
        .With("greeting.de.json", """{ "greeting.hello": "Hallo {name}"}""");

    private static string ShippedFolder => Path.Combine(AppContext.BaseDirectory, "Resources", "Copy");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("de-DE", "de")]
    [InlineData("de", "de")]
    [InlineData("DE", "de")]
    [InlineData("de_AT", "de")]
    [InlineData(" de-CH ", "de")]
    [InlineData("fr-FR", "en")]
    [InlineData("en-GB", "en")]
    [InlineData("", "en")]
    [InlineData(null, "en")]
    public void ALocaleIsAnsweredInItsShippedLanguageOrInEnglish(string? locale, string language)
    {
        var copy = new JsonCopy(_folder.Path);

        Assert.Equal(language, copy.LanguageOf(locale));
        Assert.Equal(language == "de" ? "Hallo Ana" : "Hello Ana", copy.Get(locale, "greeting.hello", ("name", "Ana")));
    }

    [Fact]
    public void AKeyGermanLacksIsSaidInEnglish()
    {
        var copy = new JsonCopy(_folder.Path);

        Assert.Equal("Goodbye", copy.Get("de-DE", "greeting.bye"));
    }

    [Fact]
    public void AMissingPlaceholderValueIsAnErrorNamingTheKey()
    {
        var copy = new JsonCopy(_folder.Path);

        var error = Assert.Throws<ArgumentException>(() => copy.Get("de", "greeting.hello", ("agent", "Sam")));
        Assert.Contains("'greeting.hello'", error.Message, StringComparison.Ordinal);
        Assert.Contains("{name}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownKeyIsAnErrorNamingIt()
    {
        var copy = new JsonCopy(_folder.Path);

        var error = Assert.Throws<KeyNotFoundException>(() => copy.Get("en", "greeting.nope"));
        Assert.Contains("'greeting.nope'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheStartupReportNamesTheKeyALanguageLacksAndPlaceholdersThatDiffer()
    {
        _folder.With("extra.de.json", """{ "greeting.bye": "Tschüss {name}" }""")
            .With("extra.en.json", """{ "greeting.thanks": "Thanks" }""")
            .With("more.de.json", """{ "greeting.unused": "Nie benutzt" }""");
        var logger = new CapturingLogger<CopyReport>();

        await new CopyReport(new JsonCopy(_folder.Path), logger).StartAsync(CancellationToken.None);

        var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Contains(warnings, w => w.Contains("(de), key greeting.thanks: missing", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("(de), key greeting.bye: placeholders differ", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("(de), key greeting.unused: not in the English files", StringComparison.Ordinal));
        Assert.Equal(3, warnings.Count);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("en, de", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("broken.en.json", """{ "a": """, "broken.en.json is not a JSON object")]
    [InlineData("list.en.json", """["a", "b"]""", "list.en.json is not a JSON object")]
    [InlineData("empty.en.json", """{ "a.b": "" }""", "the key 'a.b' has no text")]
    [InlineData("nolanguage.json", """{ "a.b": "text" }""", "must be {name}.{language}.json")]
    [InlineData("twice.en.json", """{ "greeting.bye": "Bye" }""", "the key 'greeting.bye' is also in another en file")]
    public void AMalformedFileStopsStartupNamingTheFile(string file, string json, string message)
    {
        _folder.With(file, json);

        var error = Assert.Throws<InvalidDataException>(() => new JsonCopy(_folder.Path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CopyWithoutEnglishStopsStartup()
    {
        using var folder = new ScratchFolder().With("greeting.de.json", """{ "greeting.hello": "Hallo" }""");

        var error = Assert.Throws<InvalidDataException>(() => new JsonCopy(folder.Path));
        Assert.Contains("no English copy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryShippedLanguageHasEveryEnglishKeyWithTheSamePlaceholders()
    {
        var copy = new JsonCopy(ShippedFolder);

        Assert.Contains("de", copy.Languages);
        Assert.Empty(copy.Problems.Select(p => $"{p.Language} {p.Key}: {p.Problem}"));
    }

    [Theory]
    [InlineData(-5, "en", "less than a minute")]
    [InlineData(0, "en", "less than a minute")]
    [InlineData(59, "en", "less than a minute")]
    [InlineData(60, "en", "1 minute")]
    [InlineData(89, "en", "1 minute")]
    [InlineData(90, "en", "2 minutes")]
    [InlineData(5 * 60, "en", "5 minutes")]
    [InlineData(3599, "en", "1 hour")]
    [InlineData(2 * 3600, "en", "2 hours")]
    [InlineData(80 * 60, "en", "1 hour 20 minutes")]
    [InlineData(30, "de-DE", "weniger als eine Minute")]
    [InlineData(60, "de-DE", "1 Minute")]
    [InlineData(5 * 60, "de-DE", "5 Minuten")]
    [InlineData(2 * 3600, "de-DE", "2 Stunden")]
    [InlineData(61 * 60, "de-DE", "1 Stunde 1 Minute")]
    [InlineData(5 * 60, "fr-FR", "5 minutes")]
    public void DurationsReadTheWayTheCustomersLanguageSaysThem(int seconds, string locale, string expected)
    {
        var copy = new JsonCopy(ShippedFolder);

        Assert.Equal(expected, copy.Duration(locale, TimeSpan.FromSeconds(seconds)));
    }
}
