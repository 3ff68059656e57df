using HandoffBot.Escalation;
using HandoffBot.Escalation.Embedding;
using HandoffBot.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Eval;

/// <summary>
/// The sentence vectors every model evaluation shares in one run (the vector file under <c>artifacts/</c>, the
/// same one training uses), and the detector with the trained heads on.
/// </summary>
internal static class EvalEmbeddings
{
    private static readonly Activity Turn = new() { Type = ActivityTypes.Message, ChannelId = "eval", Conversation = new ConversationAccount { Id = "eval" } };
    private static readonly Lazy<EmbeddingStore> Shared = new(() => EmbeddingStore.Open(TrainingRun.DefaultCachePath(), new MiniLmEmbedder()));

    public static EmbeddingStore Store => Shared.Value;

    /// <summary>The decision of the detector (heads on) for a first turn, with the vector from the store.</summary>
    public static async ValueTask<EscalationDecision> FirstTurnAsync(EscalationDetector detector, ISentimentAnalyzer vader, string text, CancellationToken cancellationToken)
    {
        var trimmed = text.Trim();
        var mood = await vader.AnalyzeAsync(trimmed, null, cancellationToken);
        return await detector.EvaluateBeforeAnswerAsync(new TurnSnapshot(Turn with { Text = trimmed }, trimmed, mood, null, EscalationHistory.Empty, Store[trimmed]), cancellationToken);
    }

    /// <summary>What a decision says about each of the six signals of the multi-domain set.</summary>
    public static (bool Human, bool Urgent, bool Negative, string Category) Read(EscalationDecision decision) =>
        (EscalationEvaluationSupport.Fired(decision, TriggerNames.HumanRequest) is not null,
         EscalationEvaluationSupport.Fired(decision, TriggerNames.Urgency) is not null,
         EscalationEvaluationSupport.Fired(decision, TriggerNames.Sentiment) is not null,
         EscalationEvaluationSupport.Fired(decision, TriggerNames.Category)?.Category ?? EscalationDecision.NoCategory);

    public static ServiceProvider ModelServices() => TrainingRun.CreateServices(model: true);

    public static (EscalationDetector Detector, ISentimentAnalyzer Vader) Resolve(ServiceProvider services) =>
        (services.GetRequiredService<EscalationDetector>(), services.GetRequiredService<ISentimentAnalyzer>());
}
