using HandoffBot.Escalation;
using HandoffBot.Pipeline;
using HandoffBot.Storage;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Escalation;

public sealed class EscalationMiddlewareTests : IClassFixture<BotFactory>
{
    private readonly BotFactory _factory;
    private readonly TestAdapter _adapter;

    public EscalationMiddlewareTests(BotFactory factory)
    {
        _factory = factory;
        _adapter = new TestAdapter(factory.Services.GetRequiredService<TurnPipeline>(), factory.Time) { ConversationId = $"esc-{Guid.NewGuid():N}" };
    }

    [Fact]
    public async Task AnExplicitRequestEscalatesBeforeTheAssistantAndTheAssistantStaysSilent()
    {
        var turn = await _adapter.ProcessAsync(_adapter.MakeMessage("get me a real person"));

        var decision = turn.Features.Get<EscalationDecision>();
        Assert.NotNull(decision);
        Assert.True(decision.Escalate);
        Assert.Contains(decision.Fired, s => s.Trigger == TriggerNames.HumanRequest);
        // The only reply is the handoff's (the handoff feature takes over); the assistant does not answer. This
        // factory has no Teams hub, but the agent console is a reachable desk: the customer is told a person is coming.
        Assert.Contains("connecting you with a person", _adapter.TakeReply()?.Text ?? string.Empty, StringComparison.Ordinal);
        Assert.Null(_adapter.TakeReply());
    }

    [Fact]
    public async Task AnOrdinaryQuestionIsAnsweredAndNotEscalated()
    {
        var turn = await _adapter.ProcessAsync(_adapter.MakeMessage("how do I reset my password"));

        Assert.False(turn.Features.Get<EscalationDecision>()!.Escalate);
        Assert.Contains("password", _adapter.TakeReply()?.Text ?? string.Empty, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TwoUnanswerableQuestionsInARowEscalateAfterTheSecondAnswer()
    {
        var first = await _adapter.ProcessAsync(_adapter.MakeMessage("purple elephants sing opera at midnight"));
        var second = await _adapter.ProcessAsync(_adapter.MakeMessage("zebras juggle violins quietly"));

        Assert.False(first.Features.Get<EscalationDecision>()!.Escalate);
        var decision = second.Features.Get<EscalationDecision>()!;
        Assert.True(decision.Escalate);
        Assert.Contains(decision.Fired, s => s.Trigger == TriggerNames.Confidence);
        Assert.Contains("not sure", _adapter.TakeReply()?.Text ?? string.Empty, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EveryDecisionIsAuditedAndRememberedInTheConversationHistory()
    {
        var first = _adapter.MakeMessage("where is my parcel");
        var second = _adapter.MakeMessage("this is urgent, agent pls");
        await _adapter.ProcessAsync(first);
        await _adapter.ProcessAsync(second);

        var key = StateKeys.Conversation(_adapter.ChannelId, _adapter.ConversationId);
        var audit = await _factory.Services.GetRequiredService<IEscalationAuditStore>().ReadAsync(key, CancellationToken.None);
        Assert.Equal([first.Id, second.Id], audit.Select(a => a.ActivityId));
        Assert.Equal([false, true], audit.Select(a => a.Escalated));
        Assert.Equal(EscalationPriority.High, audit[1].Decision.Priority);
        Assert.Contains(audit[1].Decision.Signals, s => s.Trigger == TriggerNames.Urgency && s.Evidence[0].Text == "urgent");

        var store = _factory.Services.GetRequiredService<IConversationStateStore>();
        var stored = await store.ReadAsync(key, CancellationToken.None);
        var state = new ConversationState(key, (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(stored!.Json)!, stored.Version);
        var history = state.Get<EscalationHistory>();
        Assert.Equal(["where is my parcel", "this is urgent, agent pls"], history.Turns.Select(t => t.Text));
        Assert.Contains(TriggerNames.HumanRequest, history.Turns[1].FiredTriggers);
        Assert.NotNull(history.Turns[0].AnswerConfidence);
    }
}
