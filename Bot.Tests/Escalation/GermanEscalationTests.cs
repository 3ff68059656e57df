using HandoffBot.Escalation;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Escalation;

/// <summary>A German-speaking customer (<c>locale: de-DE</c>) is understood with the German lexicons.</summary>
public sealed class GermanEscalationTests(BotFactory factory) : IClassFixture<BotFactory>
{
    private EscalationDetector Detector => factory.Services.GetRequiredService<EscalationDetector>();

    private Task<EscalationDecision> DecideAsync(string text, string? locale = "de-DE") =>
        Detector.EvaluateAsync(
            new TurnSnapshot(new Activity { Type = ActivityTypes.Message, Text = text, Locale = locale }, text, null, null, EscalationHistory.Empty),
            CancellationToken.None).AsTask();

    [Theory]
    [InlineData("Ich möchte mit einem Mitarbeiter sprechen", "möchte mit einem Mitarbeiter")]
    [InlineData("Kann ich bitte mit einem echten Menschen reden?", "bitte mit einem echten Menschen")]
    [InlineData("Bitte verbinden Sie mich mit dem Kundenservice", "Bitte verbinden Sie mich mit dem Kundenservice")]
    [InlineData("Ich will den Kundenservice anrufen", "will den Kundenservice")]
    [InlineData("Kundenservice anrufen", "Kundenservice anrufen")]
    [InlineData("echter Mensch bitte!!", "echter Mensch bitte")]
    [InlineData("Ist da jemand?", "da jemand")]
    [InlineData("Kann mich jemand zurückrufen?", "Kann mich jemand zurückrufen")]
    [InlineData("Ich möchte mit einem Mitarbieter sprechen", "möchte mit einem Mitarbieter")]
    public async Task AGermanCustomerAskingForAPersonFiresTheHumanRequest(string text, string evidence)
    {
        var decision = await DecideAsync(text);

        var signal = decision.FiredSignal(TriggerNames.HumanRequest);
        Assert.NotNull(signal);
        Assert.Equal(evidence, signal.Evidence[0].Text);
        Assert.True(decision.Escalate);
    }

    [Theory]
    [InlineData("Ich möchte nicht mit einem Mitarbeiter sprechen, nur die Öffnungszeiten wissen", TriggerNames.HumanRequest)]
    [InlineData("Ich brauche keinen Menschen, danke", TriggerNames.HumanRequest)]
    [InlineData("Mein Berater hat gesagt, die Lieferung kommt morgen", TriggerNames.HumanRequest)]
    [InlineData("Der Mitarbeiter im Laden war sehr freundlich", TriggerNames.HumanRequest)]
    [InlineData("Bist du ein Mensch?", TriggerNames.HumanRequest)]
    [InlineData("Ist das ein Bot oder ein Mensch?", TriggerNames.HumanRequest)]
    [InlineData("Ich bin kein Anwalt, aber das klingt seltsam", TriggerNames.HumanRequest)]
    [InlineData("Keine Eile, wann kommt meine Bestellung?", TriggerNames.Urgency)]
    [InlineData("Das ist nicht dringend, nur eine Frage zur Rechnungsadresse", TriggerNames.Urgency)]
    [InlineData("Es ist kein Notfall", TriggerNames.Urgency)]
    [InlineData("Ich bin kein Anwalt", TriggerNames.Category)]
    [InlineData("Das ist kein Betrug, ich habe nur eine Frage", TriggerNames.Category)]
    public async Task GermanHardNegativesDoNotFireTheirTrigger(string text, string trigger)
    {
        var decision = await DecideAsync(text);

        Assert.Null(decision.FiredSignal(trigger));
        Assert.False(decision.Escalate);
    }

    [Theory]
    [InlineData("Das ist dringend, wo bleibt mein Paket?", "dringend")]
    [InlineData("Bitte sofort zurückrufen", "sofort")]
    [InlineData("Es ist ein Notfall", "Notfall")]
    public async Task AnUrgentGermanMessageFiresUrgencyWithHighPriority(string text, string evidence)
    {
        var decision = await DecideAsync(text);

        var signal = decision.FiredSignal(TriggerNames.Urgency);
        Assert.NotNull(signal);
        Assert.Equal(evidence, signal.Evidence[0].Text);
        Assert.True(decision.Priority >= EscalationPriority.High);
    }

    [Theory]
    [InlineData("Das ist Betrug, jemand hat meine Karte benutzt", "fraud")]
    [InlineData("Diese Abbuchung habe ich nicht autorisiert", "fraud")]
    [InlineData("Mir wurde doppelt abgebucht", "billing_dispute")]
    [InlineData("Die Rechnung ist falsch", "billing_dispute")]
    [InlineData("Ich werde rechtliche Schritte einleiten und meinen Anwalt einschalten", "legal")]
    public async Task GermanCategoryPhrasesRouteToTheirQueue(string text, string category)
    {
        var decision = await DecideAsync(text);

        Assert.Equal(category, decision.FiredSignal(TriggerNames.Category)?.Category);
        Assert.Equal(category, decision.Category);
    }

    [Fact]
    public async Task AGermanFraudReportGoesToTheFraudQueueAtUrgentPriority()
    {
        var decision = await DecideAsync("Ich sehe eine unbekannte Abbuchung, das war ich nicht!");

        Assert.True(decision.Escalate);
        Assert.Equal("fraud", decision.Queue);
        Assert.Equal(EscalationPriority.Urgent, decision.Priority);
    }

    [Theory]
    [InlineData("de")]
    [InlineData("DE")]
    [InlineData("de-AT")]
    public async Task AnyGermanLocaleUsesTheGermanLexicon(string locale)
    {
        Assert.NotNull((await DecideAsync("Ich möchte mit einem Mitarbeiter sprechen", locale)).FiredSignal(TriggerNames.HumanRequest));
    }

    [Theory]
    [InlineData("fr-FR")]
    [InlineData(null)]
    public async Task ALanguageWithoutALexiconIsReadWithTheEnglishOne(string? locale)
    {
        Assert.NotNull((await DecideAsync("I want to talk to a human", locale)).FiredSignal(TriggerNames.HumanRequest));
        Assert.Null((await DecideAsync("Ich möchte mit einem Mitarbeiter sprechen", locale)).FiredSignal(TriggerNames.HumanRequest));
    }
}
