using System.Text.Json.Serialization;
using HandoffBot.Resources;

namespace HandoffBot.Tests.Resources;

public sealed class LexiconTests : IDisposable
{
    private readonly ScratchFolder _folder = new ScratchFolder()
        .With("words.en.json", """{ "words": ["agent", "human"] }""")
        .With("words.de.json", """{ "words": ["Mitarbeiter"] }""");

    public void Dispose() => _folder.Dispose();

    private Lexicon<string[]> Load() =>
        new LexiconFolder(_folder.Path).Load("words", TestLexiconJson.Default.WordsFile, file => file.Words.Count == 0 ? throw new InvalidDataException("words is empty") : file.Words.ToArray());

    [Theory]
    [InlineData("de-DE", "Mitarbeiter")]
    [InlineData("de", "Mitarbeiter")]
    [InlineData("fr-FR", "agent")]
    [InlineData(null, "agent")]
    public void ALocaleGetsTheLexiconOfItsLanguageOrTheEnglishOne(string? locale, string first)
    {
        var lexicon = Load();

        Assert.Equal(first, lexicon.For(locale)[0]);
        Assert.Equal(["en", "de"], lexicon.Languages);
    }

    [Theory]
    [InlineData("""{ "words": ["a", """, "is malformed")]
    [InlineData("""{ "wrods": ["a"] }""", "is malformed")]
    [InlineData("""{ }""", "is malformed")]
    [InlineData("""{ "words": [] }""", "words is empty")]
    public void AMalformedLexiconStopsStartupNamingTheFile(string json, string problem)
    {
        _folder.With("words.de.json", json);

        var error = Assert.Throws<InvalidDataException>(Load);
        Assert.Contains("words.de.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALexiconWithoutEnglishStopsStartup()
    {
        File.Delete(Path.Combine(_folder.Path, "words.en.json"));

        var error = Assert.Throws<InvalidDataException>(Load);
        Assert.Contains("no English lexicon words.en.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryShippedLexiconLoadsInEveryShippedLanguage()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "Resources", "Lexicons");
        var languages = Directory.EnumerateFiles(shipped, "*.json").Select(f => Path.GetFileNameWithoutExtension(f).Split('.')[1]).Distinct().Order().ToList();
        var names = Directory.EnumerateFiles(shipped, "*.json").Select(f => Path.GetFileNameWithoutExtension(f).Split('.')[0]).Distinct().ToList();

        Assert.Equal(["de", "en"], languages);
        foreach (var name in names)
        {
            Assert.All(languages, l => Assert.True(File.Exists(Path.Combine(shipped, $"{name}.{l}.json")), $"{name}.{l}.json is missing"));
        }
    }
}

internal sealed class WordsFile
{
    public required List<string> Words { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(WordsFile))]
internal sealed partial class TestLexiconJson : JsonSerializerContext;
