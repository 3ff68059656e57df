using HandoffBot.Routing;
using static HandoffBot.Tests.Routing.RoutingFixture;

namespace HandoffBot.Tests.Routing;

/// <summary>
/// A customer writing German waits for an agent with a <c>language-de</c> skill while somebody on the roster speaks
/// it, for as long as the skill requirement holds (<see cref="RoutingOptions.RelaxSkillAfter"/>); agents without a
/// language skill speak <see cref="RoutingOptions.DefaultLanguage"/>.
/// </summary>
public sealed class LanguageRoutingTests
{
    [Fact]
    public void AGermanCustomerWaitsForTheGermanSpeakerWhileAnEnglishAgentIsFree()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "billing:5", capacity: 3));
        engine.UpsertAgent(Agent("lena", "billing:3,language-de:5", capacity: 1, active: 1));
        engine.AddWaiting(Item("de1", "billing", enqueuedAt: T0, language: "de-DE"));
        engine.AddWaiting(Item("en1", "billing", enqueuedAt: T0.AddSeconds(5), language: "en-GB"));

        // alex is free but speaks English only: he takes the later English customer, not the German one ahead of it.
        var first = Assert.Single(engine.Assign(T0.AddSeconds(10)));
        Assert.Equal(("en1", Id("alex")), (first.HandoffId, first.Agent));

        engine.UpsertAgent(Agent("lena", "billing:3,language-de:5", capacity: 1));
        var second = Assert.Single(engine.Assign(T0.AddSeconds(20)));
        Assert.Equal(("de1", Id("lena")), (second.HandoffId, second.Agent));
        Assert.Contains("speaks de", second.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AfterTheSkillWaitAnyQualifiedAgentTakesTheGermanCustomer()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "billing:5"));
        engine.UpsertAgent(Agent("lena", "billing:3,language-de:5", presence: AgentPresence.Away));
        engine.AddWaiting(Item("de1", "billing", enqueuedAt: T0, language: "de"));

        Assert.Empty(engine.Assign(T0.AddMinutes(2).AddSeconds(59)));
        var assignment = Assert.Single(engine.Assign(T0.AddMinutes(3)));

        Assert.Equal(Id("alex"), assignment.Agent);
        Assert.Contains("relaxed", assignment.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("speaks", assignment.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void WhenNobodyOnTheRosterSpeaksTheLanguageTheCustomerIsNotKeptWaitingForIt()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "billing:5"));
        engine.UpsertAgent(Agent("lena", "billing:3,language-de:5"));
        engine.AddWaiting(Item("pt1", "billing", enqueuedAt: T0, language: "pt-BR"));

        Assert.Equal(Id("alex"), Assert.Single(engine.Assign(T0)).Agent);
    }

    [Fact]
    public void AnAgentWithOnlyOtherLanguageSkillsDoesNotSpeakTheDefaultLanguage()
    {
        var engine = Engine(configure: o => o.DefaultLanguage = "en");
        engine.UpsertAgent(Agent("lena", "billing:5,language-de:5", lastAssignedAt: T0.AddHours(-3)));
        engine.UpsertAgent(Agent("alex", "billing:5", active: 1, lastAssignedAt: T0.AddHours(-1)));
        engine.AddWaiting(Item("en1", "billing", enqueuedAt: T0, language: "en-US"));

        // lena is less busy, but the English customer waits for alex, who speaks the default language.
        Assert.Equal(Id("alex"), Assert.Single(engine.Assign(T0)).Agent);
    }

    [Fact]
    public void AnAgentCanSpeakSeveralLanguages()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("lena", "billing:3,language-de:5,language-en:4", capacity: 2));
        engine.UpsertAgent(Agent("alex", "billing:5", capacity: 2, active: 2));
        engine.AddWaiting(Item("de1", "billing", enqueuedAt: T0, language: "de-AT"));
        engine.AddWaiting(Item("en1", "billing", enqueuedAt: T0.AddSeconds(1), language: "en"));

        var assigned = engine.Assign(T0.AddSeconds(5));

        Assert.Equal([("de1", Id("lena")), ("en1", Id("lena"))], assigned.Select(a => (a.HandoffId, a.Agent)).OrderBy(a => a.HandoffId));
    }

    [Fact]
    public void TheWaitEstimateCountsOnlyTheSlotsOfAgentsWhoSpeakTheLanguage()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "billing:5", capacity: 3, active: 3));
        engine.UpsertAgent(Agent("lena", "billing:3,language-de:5", capacity: 1, active: 1));
        foreach (var minutes in new[] { 4, 6, 8 })
        {
            engine.RecordHandlingTime("billing", TimeSpan.FromMinutes(minutes), T0.AddMinutes(-30));
        }
        engine.AddWaiting(Item("de1", "billing", enqueuedAt: T0, language: "de"));
        engine.AddWaiting(Item("en1", "billing", enqueuedAt: T0, language: "en", customer: "webchat/x"));

        // mean 6 min: the German customer has lena's one slot (6 min), the English one alex's three (position 2 -> 4 min).
        Assert.Equal(TimeSpan.FromMinutes(6), engine.Estimate("de1", T0)!.Estimate);
        Assert.Equal(TimeSpan.FromMinutes(4), engine.Estimate("en1", T0)!.Estimate);
    }

    [Theory]
    [InlineData("de-DE", "de")]
    [InlineData("pt_BR", "pt")]
    [InlineData("EN", "en")]
    [InlineData(" fil-PH ", "fil")]
    [InlineData("zh-Hant-TW", "zh")]
    [InlineData("x", null)]
    [InlineData("german", null)]
    [InlineData("12-DE", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void TheCustomersLanguageIsItsPrimarySubtag(string? tag, string? primary) =>
        Assert.Equal(primary, AgentLanguages.Primary(tag));
}
