using HandoffBot.Resources;
using HandoffBot.Tests.Resources;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Escalation;

public sealed class LexiconStartupTests : IDisposable
{
    private readonly ScratchFolder _lexicons = new();

    public LexiconStartupTests()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Resources", "Lexicons")))
        {
            File.Copy(file, Path.Combine(_lexicons.Path, Path.GetFileName(file)));
        }
    }

    public void Dispose() => _lexicons.Dispose();

    [Theory]
    [InlineData("human-request.de.json", """{ "strongNouns": ["Mensch"] }""", "missing required properties")]
    [InlineData("urgency.de.json", """{ "phrases": ["* dringend"], "negatedBy": [], "negationCues": [], "negationBridge": [] }""", "must start with a word")]
    [InlineData("category.de.json", """{ "categories": { "quantum": ["quanten*"] }, "negationCues": [], "negationBridge": [] }""", "'quantum' is not configured")]
    [InlineData("category.en.json", "{ \"categories\": ", "is malformed")]
    public void AMalformedLexiconStopsStartUpWithAMessageNamingTheFile(string file, string json, string problem)
    {
        _lexicons.With(file, json);
        using var factory = new BotFactory().WithServices(services => services.AddSingleton(new LexiconFolder(_lexicons.Path)));

        var error = Assert.IsType<InvalidDataException>(factory.StartupFailure());

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AConfiguredCategoryWithoutPhrasesStopsStartUp()
    {
        using var factory = new BotFactory()
            .With("Escalation:Triggers:Category:Categories:quantum:Queue", "quantum")
            .With("Escalation:Triggers:Category:Categories:quantum:Skill", "quantum");

        var error = Assert.IsType<InvalidDataException>(factory.StartupFailure());

        Assert.Contains("Categories:quantum has no phrases", error.Message, StringComparison.Ordinal);
    }
}
