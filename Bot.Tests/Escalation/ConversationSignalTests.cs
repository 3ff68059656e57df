using HandoffBot.Escalation;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Escalation;

/// <summary>Signals of the conversation (the Conversation trigger), with the trained heads on.</summary>
public sealed class ConversationSignalTests(BotFactory factory) : IClassFixture<BotFactory>
{
    private EscalationDetector Detector => factory.Services.GetRequiredService<EscalationDetector>();

    private static EscalationTurn Past(string text, double? negative = 0.1, string? entry = null) =>
        new(DateTimeOffset.UnixEpoch, text, SentimentLabels.Neutral, 0, 0.9, false, [], negative, entry);

    /// <summary>The Conversation signal of a decision, asserted fired and saying <paramref name="because"/>.</summary>
    private static EscalationSignal Fired(EscalationDecision decision, string because)
    {
        var signal = decision.FiredSignal(TriggerNames.Conversation);
        Assert.NotNull(signal);
        Assert.Contains(because, signal.Reason, StringComparison.Ordinal);
        return signal;
    }

    private async Task<EscalationDecision> DecideAsync(string text, params EscalationTurn[] past)
    {
        var sentiment = await factory.Services.GetRequiredService<ISentimentAnalyzer>().AnalyzeAsync(text, null, CancellationToken.None);
        var activity = new Activity { Type = ActivityTypes.Message, Text = text, Conversation = new ConversationAccount { Id = "conv" } };
        var history = EscalationHistory.Empty with { Turns = past };
        return await Detector.EvaluateBeforeAnswerAsync(new TurnSnapshot(activity, text, sentiment, null, history), CancellationToken.None);
    }

    [Fact]
    public async Task AskingTheSameQuestionAgainAfterTheSameAnswerTwiceEscalatesWithTheEarlierMessageAsEvidence()
    {
        var decision = await DecideAsync(
            "where is the refund for my blue jacket",
            Past("where is my refund for the blue jacket", entry: "refund-status"),
            Past("any news on the blue jacket refund", entry: "refund-status"));

        var signal = Fired(decision, "same answer (refund-status) twice");
        Assert.True(decision.Escalate);
        Assert.Contains(signal.Evidence, e => e.Kind == "trend" && e.Text.Contains("blue jacket", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("I already told you the order number, it is 5512")]
    [InlineData("as I said, the parcel never came")]
    public async Task ACustomerWhoSaysTheyAlreadySaidItEscalates(string text)
    {
        var decision = await DecideAsync(text, Past("hello"));

        Assert.Equal("phrase", Fired(decision, "already said it").Evidence[0].Kind);
    }

    [Fact]
    public async Task FrustrationThatPersistsOverTurnsEscalatesEvenWhenThisMessageIsCalm()
    {
        var decision = await DecideAsync("and the other order?", Past("this is useless", 0.9), Past("still nothing, awful", 0.8), Past("hm", 0.2));

        Assert.Equal("trend", Fired(decision, "frustrated on 2 of the last 3 turns").Evidence[^1].Kind);
    }

    [Fact]
    public async Task ShoutingAloneIsEvidenceButDoesNotEscalate()
    {
        var decision = await DecideAsync("WHERE CAN I FIND THE SIZE GUIDE", Past("hello"));

        var signal = Assert.Single(decision.Signals, s => s.Trigger == TriggerNames.Conversation);
        Assert.False(signal.Fired);
        Assert.Contains("shouting", signal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskingOnceMoreIsNoEscalationButAThirdTimeIs()
    {
        var once = await DecideAsync("how long does delivery take", Past("how long does delivery take to Leeds"));
        var third = await DecideAsync("how long does delivery take", Past("how long does delivery take to Leeds"), Past("delivery take how long"));

        Assert.Null(once.FiredSignal(TriggerNames.Conversation));
        Fired(third, "asked this 3 times");
    }

    [Fact]
    public async Task ANewQuestionAfterAnUnrelatedOneIsNoConversationSignal()
    {
        var decision = await DecideAsync("can I pay with PayPal", Past("how long does delivery to Spain take"));

        Assert.DoesNotContain(decision.Signals, s => s.Trigger == TriggerNames.Conversation);
    }

    [Fact]
    public async Task SwitchedOffTheConversationTriggerSaysNothing()
    {
        using var off = new BotFactory().With("Escalation:Triggers:Conversation:Enabled", "false");
        var detector = off.Services.GetRequiredService<EscalationDetector>();
        const string text = "I already told you the order number";
        var activity = new Activity { Type = ActivityTypes.Message, Text = text, Conversation = new ConversationAccount { Id = "x" } };

        var decision = await detector.EvaluateBeforeAnswerAsync(new TurnSnapshot(activity, text, null, null, EscalationHistory.Empty), CancellationToken.None);

        Assert.DoesNotContain(decision.Signals, s => s.Trigger == TriggerNames.Conversation);
    }
}
