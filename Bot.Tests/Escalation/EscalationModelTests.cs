using HandoffBot.Escalation;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Escalation;

/// <summary>The decision with the trained heads on (the default): the heads decide, the rules explain.</summary>
public sealed class EscalationModelTests(BotFactory factory) : IClassFixture<BotFactory>
{
    private EscalationDetector Detector => factory.Services.GetRequiredService<EscalationDetector>();

    private async Task<EscalationDecision> DecideAsync(string text, string? locale = null)
    {
        var sentiment = await factory.Services.GetRequiredService<ISentimentAnalyzer>().AnalyzeAsync(text, locale, CancellationToken.None);
        var activity = new Activity { Type = ActivityTypes.Message, Text = text, Locale = locale, Conversation = new ConversationAccount { Id = "m" } };
        return await Detector.EvaluateBeforeAnswerAsync(new TurnSnapshot(activity, text, sentiment, null, EscalationHistory.Empty), CancellationToken.None);
    }

    [Theory]
    [InlineData("Can I have a person from your team call me back today about the order?")]
    [InlineData("I would like to discuss this with one of your employees instead of a chatbot")]
    public async Task ARequestForAPersonInWordsNoRuleKnowsStillEscalates(string text)
    {
        var decision = await DecideAsync(text);

        Assert.True(decision.Escalate);
        var signal = decision.FiredSignal(TriggerNames.HumanRequest);
        Assert.NotNull(signal);
        Assert.Equal(EscalationDecision.Heads, decision.Detection);
        Assert.NotNull(decision.Model);
        Assert.True(decision.Model.Human >= 0.5);
        Assert.Contains(signal.Evidence, e => e.Kind == "score");
    }

    [Theory]
    [InlineData("The agent who helped me on Tuesday was lovely, please thank her")]
    [InlineData("Our travel agent booked the flights, can you see the booking?")]
    public async Task PeopleMentionedButNotAskedForDoNotEscalate(string text)
    {
        var decision = await DecideAsync(text);

        Assert.False(decision.Escalate);
        Assert.Null(decision.FiredSignal(TriggerNames.HumanRequest));
        Assert.Equal(EscalationDecision.NoCategory, decision.Category);
    }

    [Fact]
    public async Task AnUnrecognisedPaymentGoesToTheFraudQueueWithTheModelScoreAsEvidence()
    {
        var decision = await DecideAsync("there is a payment on my statement from a shop I have never heard of");

        Assert.True(decision.Escalate);
        Assert.Equal("fraud", decision.Category);
        Assert.Equal("fraud", decision.Queue);
        Assert.Equal(EscalationPriority.Urgent, decision.Priority);
    }

    [Fact]
    public async Task AShortRequestForAnAgentKeepsTheRuleEvenWhereTheHeadsHesitate()
    {
        var decision = await DecideAsync("agent pls");

        var signal = decision.FiredSignal(TriggerNames.HumanRequest);
        Assert.NotNull(signal);
        Assert.Equal("agent", signal.Evidence[0].Text);
    }

    [Theory]
    [InlineData("my parcel never arrived, let me talk to a person", "talk to a person")]
    [InlineData("I have been waiting since Monday for the refund and nothing happened, I want to speak to a human", "want to speak to a human")]
    public async Task AnExplicitRequestInALongerMessageKeepsTheRuleWhereTheHeadsDiluteIt(string text, string evidence)
    {
        var decision = await DecideAsync(text);

        Assert.True(decision.Escalate);
        var signal = decision.FiredSignal(TriggerNames.HumanRequest);
        Assert.NotNull(signal);
        Assert.Equal(evidence, signal.Evidence[0].Text);
    }

    [Fact]
    public async Task AGermanMessageIsDecidedByTheRulesAloneAndTheDecisionSaysSo()
    {
        var decision = await DecideAsync("Ich möchte mit einem Mitarbeiter sprechen", "de-DE");

        Assert.True(decision.Escalate);
        Assert.Null(decision.Model);
        Assert.StartsWith(EscalationDecision.RulesOnly, decision.Detection, StringComparison.Ordinal);
        Assert.Contains("de-DE", decision.Detection, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingHeadsFileStopsStartUpWithTheKeyToSet()
    {
        using var broken = new BotFactory().With("Escalation:Model:Path", "/nonexistent/heads.json");

        var error = Assert.ThrowsAny<Exception>(() => broken.Services.GetRequiredService<EscalationDetector>());

        Assert.Contains("Escalation:Model:Path", error.ToString(), StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task ACategoryConfiguredForThisBotThatTheHeadsNeverLearnedIsDecidedByItsPhrases()
    {
        using var custom = new BotFactory()
            .With("Escalation:Triggers:Category:Categories:warranty:Queue", "warranty")
            .With("Escalation:Triggers:Category:Categories:warranty:Skill", "warranty")
            .With("Escalation:Triggers:Category:Categories:warranty:Priority", "Normal")
            .With("Escalation:Triggers:Category:Categories:warranty:Phrases:0", "extended warranty");
        var detector = custom.Services.GetRequiredService<EscalationDetector>();
        const string text = "I bought the extended warranty and want to use it";
        var activity = new Activity { Type = ActivityTypes.Message, Text = text, Conversation = new ConversationAccount { Id = "w" } };

        var decision = await detector.EvaluateBeforeAnswerAsync(new TurnSnapshot(activity, text, null, null, EscalationHistory.Empty), CancellationToken.None);

        Assert.Equal(EscalationDecision.Heads, decision.Detection);
        Assert.Equal("warranty", decision.Category);
        Assert.Equal("warranty", decision.Queue);
    }

    [Theory]
    [InlineData("ok thanks")]
    [InlineData("yes")]
    public async Task AShortMessageNoRuleMindsIsSettledByTheCheapStageWithoutTheEncoder(string text)
    {
        var before = Detector.CascadeCounts;

        var decision = await DecideAsync(text);

        Assert.False(decision.Escalate);
        Assert.Equal(EscalationDecision.CheapStage, decision.Detection);
        Assert.Null(decision.Model);
        Assert.True(Detector.CascadeCounts.Cheap > before.Cheap);
    }

    [Theory]
    [InlineData("useless")]
    [InlineData("human")]
    public async Task AShortMessageARuleOrVaderMindsStillReachesTheHeads(string text)
    {
        var decision = await DecideAsync(text);

        Assert.Equal(EscalationDecision.Heads, decision.Detection);
        Assert.NotNull(decision.Model);
    }

    [Fact]
    public async Task WithoutALocaleTheLanguageIsDetectedAndAGermanMessageGetsTheGermanRules()
    {
        const string text = "Ich möchte bitte sofort mit einem Mitarbeiter sprechen";
        var activity = new Activity { Type = ActivityTypes.Message, Text = text, Conversation = new ConversationAccount { Id = "l" } };

        var turn = Detector.WithLanguage(new TurnSnapshot(activity, text, null, null, EscalationHistory.Empty));
        var decision = await Detector.EvaluateBeforeAnswerAsync(turn, CancellationToken.None);

        Assert.Equal("de", decision.Language);
        Assert.StartsWith(EscalationDecision.RulesOnly, decision.Detection, StringComparison.Ordinal);
        Assert.NotNull(decision.FiredSignal(TriggerNames.HumanRequest));
    }

    [Theory]
    [InlineData("where is my parcel, it was due on Monday")]
    [InlineData("ok")]
    public void AnEnglishOrShortMessageKeepsTheHeads(string text)
    {
        var activity = new Activity { Type = ActivityTypes.Message, Text = text, Conversation = new ConversationAccount { Id = "l" } };

        var turn = Detector.WithLanguage(new TurnSnapshot(activity, text, null, null, EscalationHistory.Empty));

        Assert.Null(turn.Activity.Locale);
    }
}
