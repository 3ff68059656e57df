using HandoffBot.Escalation;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Escalation;

/// <summary>The rule triggers (the heads' features and evidence), with the trained heads switched off.</summary>
public sealed class EscalationDetectionTests(RulesOnlyBotFactory factory) : IClassFixture<RulesOnlyBotFactory>
{
    private static readonly Activity Message = new() { Type = ActivityTypes.Message, ChannelId = "test", Conversation = new ConversationAccount { Id = "c" } };

    private EscalationDetector Detector => factory.Services.GetRequiredService<EscalationDetector>();

    private static TurnSnapshot Turn(string text, SentimentResult? sentiment = null, double? confidence = null, EscalationHistory? history = null) =>
        new(Message with { Text = text }, text, sentiment, confidence, history ?? EscalationHistory.Empty);

    private static SentimentResult Mood(double compound, string? label = null) =>
        new(label ?? (compound <= -0.05 ? SentimentLabels.Negative : compound >= 0.05 ? SentimentLabels.Positive : SentimentLabels.Neutral),
            compound < 0 ? new SentimentScores(0, 1 + compound, -compound) : new SentimentScores(compound, 1 - compound, 0),
            [], compound, "test");

    private static EscalationTurn PastTurn(double compound, double? confidence = null) =>
        new(DateTimeOffset.UnixEpoch, "earlier", compound <= -0.05 ? SentimentLabels.Negative : SentimentLabels.Neutral, compound, confidence, false, []);

    [Theory]
    [InlineData("agent pls", "agent")]
    [InlineData("get me a real person", "get me a real person")]
    [InlineData("can I talk to your manager", "talk to your manager")]
    [InlineData("human!!", "human")]
    [InlineData("operator", "operator")]
    [InlineData("speak 2 someone", "speak 2 someone")]
    [InlineData("representitive", "representitive")]
    [InlineData("I want to speak with a live agent now", "want to speak with a live agent")]
    [InlineData("is there a human I can talk to?", "there a human")]
    [InlineData("can someone call me back", "can someone call me")]
    [InlineData("No, I want a human", "want a human")]
    [InlineData("i dont know how to reach a person", "reach a person")]
    [InlineData("pls transfer me to customer service rep", "transfer me to customer service rep")]
    [InlineData("can a human look at this", "can a human look")]
    [InlineData("transfer me please", "transfer me")]
    public async Task RequestsForAPersonFireWithTheWordsAsEvidence(string text, string evidence)
    {
        var decision = await Detector.EvaluateAsync(Turn(text), CancellationToken.None);

        var signal = decision.FiredSignal(TriggerNames.HumanRequest);
        Assert.NotNull(signal);
        Assert.Equal(evidence, signal.Evidence[0].Text);
        Assert.True(decision.Escalate);
        Assert.Contains("asked for a person", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("my travel agent booked this trip")]
    [InlineData("how do I email support")]
    [InlineData("is a human checking orders?")]
    [InlineData("I don't need a person, just tell me the refund policy")]
    [InlineData("are you a human?")]
    [InlineData("am I talking to a bot or a human")]
    [InlineData("someone stole my password, how do I reset it")]
    [InlineData("I need assistance with my order")]
    [InlineData("can I speak with customer service?")]
    [InlineData("my manager said I could return it")]
    [InlineData("your agent was rude to me")]
    [InlineData("the delivery person left it at the wrong door")]
    [InlineData("I asked an agent yesterday and they said it would arrive")]
    [InlineData("transfer money to my savings")]
    public async Task MereMentionsOfPeopleDoNotFire(string text)
    {
        var decision = await Detector.EvaluateAsync(Turn(text), CancellationToken.None);

        Assert.Null(decision.FiredSignal(TriggerNames.HumanRequest));
    }

    [Theory]
    [InlineData("this is urgent, where is my parcel", true)]
    [InlineData("please help asap", true)]
    [InlineData("it's an emergency", true)]
    [InlineData("no rush, whenever you can", false)]
    [InlineData("this is not urgent but I have a question", false)]
    [InlineData("where is my parcel", false)]
    public async Task UrgencyFiresUnlessNegated(string text, bool urgent)
    {
        var decision = await Detector.EvaluateAsync(Turn(text), CancellationToken.None);

        Assert.Equal(urgent, decision.FiredSignal(TriggerNames.Urgency) is not null);
        if (urgent)
        {
            Assert.True(decision.Priority >= EscalationPriority.High);
        }
    }

    [Fact]
    public async Task SomeoneUsingMyCardRightNowIsUrgentFraudForTheFraudQueue()
    {
        var decision = await Detector.EvaluateAsync(Turn("someone is using my card right now"), CancellationToken.None);

        Assert.True(decision.Escalate);
        Assert.NotNull(decision.FiredSignal(TriggerNames.Urgency));
        var category = decision.FiredSignal(TriggerNames.Category);
        Assert.NotNull(category);
        Assert.Equal("fraud", category.Category);
        Assert.Contains(category.Evidence, e => e.Text.Contains("using my card", StringComparison.Ordinal));
        Assert.Equal(("fraud", "fraud", "fraud", EscalationPriority.Urgent), (decision.Category, decision.Queue, decision.Skill, decision.Priority));
    }

    [Theory]
    [InlineData("I was charged twice for the same order", "billing_dispute", "billing", EscalationPriority.High)]
    [InlineData("I will contact my lawyer about this", "legal", "legal", EscalationPriority.High)]
    [InlineData("there is a payment on my card I don't recognise", "fraud", "fraud", EscalationPriority.Urgent)]
    [InlineData("where is my parcel", EscalationDecision.NoCategory, "general", EscalationPriority.Normal)]
    public async Task CategoriesChooseQueueSkillAndPriority(string text, string category, string queue, EscalationPriority priority)
    {
        var decision = await Detector.EvaluateAsync(Turn(text), CancellationToken.None);

        Assert.Equal((category, queue, queue, priority), (decision.Category, decision.Queue, decision.Skill, decision.Priority));
    }

    [Fact]
    public async Task AStronglyNegativeMessageFiresTheSentimentTrigger()
    {
        var decision = await Detector.EvaluateAsync(Turn("this is the worst service ever", Mood(-0.8)), CancellationToken.None);

        Assert.NotNull(decision.FiredSignal(TriggerNames.Sentiment));
        Assert.True(decision.Escalate);
    }

    [Fact]
    public async Task TwoNegativeTurnsInARowFireButOneMildlyNegativeTurnDoesNot()
    {
        var once = await Detector.EvaluateAsync(Turn("that's not great", Mood(-0.3)), CancellationToken.None);
        var history = EscalationHistory.Empty with { Turns = [PastTurn(-0.3)] };
        var twice = await Detector.EvaluateAsync(Turn("still not great", Mood(-0.3), history: history), CancellationToken.None);

        Assert.Null(once.FiredSignal(TriggerNames.Sentiment));
        var signal = twice.FiredSignal(TriggerNames.Sentiment);
        Assert.NotNull(signal);
        Assert.Contains("2 negative turns in a row", signal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASharpDropInSentimentFires()
    {
        var history = EscalationHistory.Empty with { Turns = [PastTurn(0.8)] };

        var decision = await Detector.EvaluateAsync(Turn("hmm that is not what I wanted", Mood(-0.2), history: history), CancellationToken.None);

        Assert.Contains("dropped sharply", decision.FiredSignal(TriggerNames.Sentiment)?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LowConfidenceFiresOnlyWhenRepeated()
    {
        var first = await Detector.EvaluateAsync(Turn("purple elephants", confidence: 0.2), CancellationToken.None);
        var history = EscalationHistory.Empty with { Turns = [PastTurn(0, confidence: 0.3)] };
        var second = await Detector.EvaluateAsync(Turn("purple elephants again", confidence: 0.2, history: history), CancellationToken.None);
        var confident = await Detector.EvaluateAsync(Turn("where is my order", confidence: 0.9, history: history), CancellationToken.None);

        Assert.False(first.Escalate);
        Assert.Contains(first.Signals, s => s.Trigger == TriggerNames.Confidence && !s.Fired);
        Assert.True(second.Escalate);
        Assert.NotNull(second.FiredSignal(TriggerNames.Confidence));
        Assert.False(confident.Escalate);
    }

    [Fact]
    public async Task AReasonBeingHandledDoesNotEscalateAgain()
    {
        var history = EscalationHistory.Empty with { ActiveReasons = [TriggerNames.HumanRequest] };

        var decision = await Detector.EvaluateAsync(Turn("agent please", history: history), CancellationToken.None);

        Assert.False(decision.Escalate);
        Assert.Contains("Not escalating again", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DuringTheCooldownOnlyAnExplicitRequestForAHumanEscalates()
    {
        var history = EscalationHistory.Empty with
        {
            CooldownUntil = factory.Time.GetUtcNow().AddMinutes(10),
            CooldownReasons = [TriggerNames.Urgency, TriggerNames.HumanRequest],
        };

        var urgent = await Detector.EvaluateAsync(Turn("this is urgent", history: history), CancellationToken.None);
        var human = await Detector.EvaluateAsync(Turn("get me a human", history: history), CancellationToken.None);
        var later = await Detector.EvaluateAsync(Turn("this is urgent", history: history with { CooldownUntil = factory.Time.GetUtcNow().AddMinutes(-1) }), CancellationToken.None);

        Assert.False(urgent.Escalate);
        Assert.True(human.Escalate);
        Assert.True(later.Escalate);
    }
}
