using HandoffBot.Escalation;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Escalation;

public sealed class EscalationConfigurationTests
{
    [Theory]
    [InlineData("Escalation:Triggers:Sentimnet:Enabled", "true", "Escalation:Triggers:Sentimnet is not a known trigger")]
    [InlineData("Escalation:Triggers:Confidence:Threshold", "1.5", "Escalation:Triggers:Confidence:Threshold must be between 0 and 1")]
    [InlineData("Escalation:Triggers:Confidence:RepeatTurns", "many", "RepeatTurns")]
    [InlineData("Escalation:Triggers:Urgency:Treshold", "0.5", "Treshold")]
    [InlineData("Escalation:Triggers:Category:Categories:fraud:Priority", "Panic", "Priority")]
    [InlineData("Escalation:Triggers:Category:Categories:legal:Phrases:0", "* sue", "must start with a word")]
    public void BadEscalationSettingsStopStartUpWithAMessageNamingTheKey(string key, string value, string expected)
    {
        using var factory = new BotFactory().With(key, value);

        var exception = Assert.IsType<OptionsValidationException>(factory.StartupFailure());

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASwitchedOffTriggerNeverFires()
    {
        using var factory = new BotFactory().With("Escalation:Triggers:HumanRequest:Enabled", "false");
        var detector = (EscalationDetector)factory.Services.GetService(typeof(EscalationDetector))!;
        var text = "agent pls";
        var turn = new TurnSnapshot(new HandoffBot.Protocol.Activity { Type = "message", Text = text }, text, null, null, EscalationHistory.Empty);

        var decision = await detector.EvaluateAsync(turn, CancellationToken.None);

        Assert.False(decision.Escalate);
        Assert.DoesNotContain(decision.Signals, s => s.Trigger == TriggerNames.HumanRequest);
    }
}
