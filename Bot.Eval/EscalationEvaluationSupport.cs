using System.Globalization;
using HandoffBot.Escalation;
using HandoffBot.Protocol;
using HandoffBot.Training;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Eval;

/// <summary>The escalation detector as the bot configures it (the bot's appsettings.json), for evaluations.</summary>
internal static class EscalationEvaluationSupport
{
    private static readonly Activity Turn = new() { Type = ActivityTypes.Message, ChannelId = "eval", Conversation = new ConversationAccount { Id = "eval" } };

    /// <summary>The rule triggers alone (the heads off): what the rule evaluations and their baselines measure.</summary>
    public static ServiceProvider CreateServices() => TrainingRun.CreateServices(model: false);

    /// <summary>The decision for a message as the first turn of a conversation, with the given (or no) sentiment.</summary>
    public static ValueTask<EscalationDecision> FirstTurnAsync(EscalationDetector detector, string text, SentimentResult? sentiment, CancellationToken cancellationToken) =>
        detector.EvaluateBeforeAnswerAsync(new TurnSnapshot(Turn with { Text = text }, text, sentiment, null, EscalationHistory.Empty), cancellationToken);

    public static EscalationSignal? Fired(EscalationDecision decision, string trigger)
    {
        foreach (var signal in decision.Signals)
        {
            if (signal.Fired && signal.Trigger == trigger)
            {
                return signal;
            }
        }
        return null;
    }

    public static string F(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>Precision, recall, F1 from counts (0 when undefined).</summary>
    public static (double Precision, double Recall, double F1) Prf(int truePositives, int falsePositives, int falseNegatives)
    {
        var precision = truePositives + falsePositives == 0 ? 0 : (double)truePositives / (truePositives + falsePositives);
        var recall = truePositives + falseNegatives == 0 ? 0 : (double)truePositives / (truePositives + falseNegatives);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return (precision, recall, f1);
    }
}
