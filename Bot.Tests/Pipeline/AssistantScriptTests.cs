using HandoffBot.Pipeline;
using HandoffBot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Pipeline;

public sealed class AssistantScriptTests : IClassFixture<BotFactory>
{
    private readonly TestAdapter _adapter;

    public AssistantScriptTests(BotFactory factory)
    {
        var pipeline = factory.Services.GetRequiredService<TurnPipeline>();
        _adapter = new TestAdapter(pipeline, factory.Time) { ConversationId = $"script-{Guid.NewGuid():N}" };
    }

    [Fact]
    public Task WelcomesThenAnswersThenAdmitsWhenItIsNotSure() => _adapter.Script()
        .Send(_adapter.MakeConversationUpdate())
        .AssertReplyContains("HandoffBot assistant")
        .Send("how do I reset my password")
        .AssertReplyContains("Forgot password")
        .Send("purple elephants sing opera at midnight")
        .AssertReplyContains("not sure")
        .RunAsync();
}
