using HandoffBot.Pipeline;
using HandoffBot.Resources;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Assistant;

/// <summary>The assistant's own sentences come from copy in the customer's language; knowledge-base answers are content.</summary>
public sealed class AssistantCopyTests : IClassFixture<BotFactory>
{
    private readonly TestAdapter _adapter;
    private readonly ICopy _copy;

    public AssistantCopyTests(BotFactory factory)
    {
        _adapter = new TestAdapter(factory.Services.GetRequiredService<TurnPipeline>(), factory.Time) { ConversationId = $"copy-{Guid.NewGuid():N}" };
        _copy = factory.Services.GetRequiredService<ICopy>();
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("en-US")]
    [InlineData(null)]
    public Task TheWelcomeAndTheNotSureReplyAreInTheCustomersLanguage(string? locale) => _adapter.Script()
        .Send(_adapter.MakeConversationUpdate() with { Locale = locale })
        .AssertReply(_copy.Get(locale, "assistant.welcome"))
        .Send(_adapter.MakeMessage("purple elephants sing opera at midnight") with { Locale = locale })
        .AssertReply(_copy.Get(locale, "assistant.notSure"))
        .RunAsync();

    [Fact]
    public void GermanCustomersAreNotWelcomedInEnglish()
    {
        Assert.NotEqual(_copy.Get("en", "assistant.welcome"), _copy.Get("de-DE", "assistant.welcome"));
        Assert.Contains("Assistent", _copy.Get("de-DE", "assistant.welcome"), StringComparison.Ordinal);
        Assert.Contains("nicht sicher", _copy.Get("de-DE", "assistant.notSure"), StringComparison.Ordinal);
    }

    [Fact]
    public void AKnowledgeBasePathThatDoesNotExistStopsStartUpNamingTheSetting()
    {
        using var broken = new BotFactory().With("Assistant:KnowledgeBasePath", "Knowledge/missing.json");

        var error = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(broken.StartupFailure());

        Assert.Contains("Assistant:KnowledgeBasePath", error.Message, StringComparison.Ordinal);
    }
}
