using HandoffBot.Escalation;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Escalation.Sentiment;

public sealed class SentimentRegistrationTests
{
    [Fact]
    public async Task TheBotStartsWithTheLocalAnalyzerWhenAzureIsNotConfigured()
    {
        await using var factory = new BotFactory();
        using var client = factory.CreateClient();

        var analyzer = factory.Services.GetRequiredService<ISentimentAnalyzer>();

        Assert.Equal("Local", analyzer.Name);
        var result = await analyzer.AnalyzeAsync("This is the third time my order is late!", "en", CancellationToken.None);
        Assert.Equal(SentimentLabels.Negative, result.Sentiment);
    }

    [Fact]
    public async Task TheBotRefusesToStartWithAMissingLexicon()
    {
        await using var factory = new BotFactory().With("Sentiment:LexiconPath", "/nowhere/vader_lexicon.txt");

        var error = factory.StartupFailure();

        Assert.Contains("vader-sentiment@1.1.3", error.ToString(), StringComparison.Ordinal);
    }
}
