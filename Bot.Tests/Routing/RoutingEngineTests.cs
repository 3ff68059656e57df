using HandoffBot.Routing;
using static HandoffBot.Tests.Routing.RoutingFixture;

namespace HandoffBot.Tests.Routing;

public sealed class RoutingEngineTests
{
    [Fact]
    public void AWaitingItemIsOfferedToAQualifiedAvailableAgent()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "general:4,billing:5"));
        engine.AddWaiting(Item("h1", "billing"));

        var assignment = Assert.Single(engine.Assign(T0));

        Assert.Equal("h1", assignment.HandoffId);
        Assert.Equal(Id("alex"), assignment.Agent);
        Assert.Equal("LeastBusy", assignment.Policy);
        Assert.Equal(RoutedItemState.Offered, engine.GetStatus("h1")!.State);
        Assert.Equal(1, engine.GetAgent(Id("alex"))!.ActiveConversations);
        Assert.Empty(engine.Waiting(null, T0));
    }

    [Fact]
    public void AnOfferedItemIsNotOfferedAgain()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", capacity: 5));
        engine.UpsertAgent(Agent("sam", capacity: 5));
        engine.AddWaiting(Item("h1"));

        Assert.Single(engine.Assign(T0));
        Assert.Empty(engine.Assign(T0.AddSeconds(1)));
    }

    [Fact]
    public void AnAgentWithoutTheSkillIsNotOfferedTheItem()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("priya", "legal:5"));
        engine.AddWaiting(Item("h1", "fraud"));

        Assert.Empty(engine.Assign(T0));
        Assert.Single(engine.Waiting("fraud", T0));
    }

    [Fact]
    public void ProficiencyBelowTheRequirementDoesNotQualify()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("junior", "billing:2"));
        engine.AddWaiting(Item("h1", "billing", requiredProficiency: 4));
        Assert.Empty(engine.Assign(T0));

        engine.UpsertAgent(Agent("senior", "billing:4"));
        Assert.Equal(Id("senior"), Assert.Single(engine.Assign(T0.AddSeconds(10))).Agent);
    }

    [Fact]
    public void CapacityIsNeverExceeded()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", capacity: 2));
        for (var i = 0; i < 5; i++)
        {
            engine.AddWaiting(Item($"h{i}", enqueuedAt: T0.AddSeconds(i)));
        }

        var assignments = engine.Assign(T0.AddMinutes(1));

        Assert.Equal(["h0", "h1"], assignments.Select(a => a.HandoffId));
        Assert.Equal(2, engine.GetAgent(Id("alex"))!.ActiveConversations);
        Assert.Equal(3, engine.Waiting("general", T0).Count);
    }

    [Fact]
    public void CapacityIsPerChannelWithAStarDefault()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", perChannel: new() { ["*"] = 3, ["sms"] = 1 }));
        engine.AddWaiting(Item("sms1", channel: "sms", enqueuedAt: T0));
        engine.AddWaiting(Item("sms2", channel: "sms", enqueuedAt: T0.AddSeconds(1)));
        engine.AddWaiting(Item("web1", channel: "webchat", enqueuedAt: T0.AddSeconds(2)));

        var assigned = engine.Assign(T0.AddSeconds(5)).Select(a => a.HandoffId).ToList();

        Assert.Equal(["sms1", "web1"], assigned);
        Assert.Equal("sms2", Assert.Single(engine.Waiting(null, T0)).Item.Request.HandoffId);
    }

    [Fact]
    public void ZeroCapacityOnAChannelMeansNeverForThatChannel()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", perChannel: new() { ["*"] = 3, ["sms"] = 0 }));
        engine.AddWaiting(Item("sms1", channel: "sms"));

        Assert.Empty(engine.Assign(T0));
        Assert.False(engine.HasQualifiedAgent("general", "sms", T0, TimeSpan.FromMinutes(15)));
        Assert.True(engine.HasQualifiedAgent("general", "webchat", T0, TimeSpan.FromMinutes(15)));
    }

    [Theory]
    [InlineData(AgentPresence.Away)]
    [InlineData(AgentPresence.Offline)]
    public void AgentsWhoAreNotAvailableAreSkipped(AgentPresence presence)
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", presence: presence));
        engine.AddWaiting(Item("h1"));

        Assert.Empty(engine.Assign(T0));

        engine.SetPresence(Id("alex"), AgentPresence.Available, T0.AddMinutes(1));
        Assert.Equal(Id("alex"), Assert.Single(engine.Assign(T0.AddMinutes(1))).Agent);
    }

    [Fact]
    public void AnOffShiftAgentIsSkippedUntilTheirShiftStarts()
    {
        // 09:00 UTC is 04:00 in New York; the shift starts at 08:00 local = 13:00 UTC.
        var hours = new WorkingHours("America/New_York", new TimeOnly(8, 0), new TimeOnly(17, 0),
            [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday]);
        var engine = Engine();
        engine.UpsertAgent(Agent("nyc", hours: hours));
        engine.AddWaiting(Item("h1"));

        Assert.Empty(engine.Assign(T0));
        Assert.Empty(engine.Assign(new DateTimeOffset(2026, 11, 24, 12, 59, 59, TimeSpan.Zero)));
        var assignment = Assert.Single(engine.Assign(new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.Zero)));
        Assert.Equal(Id("nyc"), assignment.Agent);
    }

    [Fact]
    public void AnOvernightShiftCoversTheEarlyMorningOfTheNextDay()
    {
        // Monday 22:00 to Tuesday 06:00 in London; Tuesday 05:00 UTC is on shift, Tuesday 07:00 is not.
        var hours = new WorkingHours("Europe/London", new TimeOnly(22, 0), new TimeOnly(6, 0), [DayOfWeek.Monday]);
        var engine = Engine();
        engine.UpsertAgent(Agent("night", hours: hours));
        var tuesday5 = new DateTimeOffset(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);

        Assert.True(engine.HasQualifiedAgent("general", "webchat", tuesday5, TimeSpan.Zero));
        Assert.False(engine.HasQualifiedAgent("general", "webchat", tuesday5.AddHours(2), TimeSpan.FromHours(1)));
        // Next shift: Monday 30 November 22:00 London = 22:00 UTC.
        Assert.True(engine.HasQualifiedAgent("general", "webchat", tuesday5.AddHours(2), TimeSpan.FromDays(7)));
    }

    [Fact]
    public void ADeclinedAgentIsExcludedAndTheItemGoesToTheNextAgent()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", lastAssignedAt: T0.AddHours(-2)));
        engine.UpsertAgent(Agent("sam", lastAssignedAt: T0.AddHours(-1)));
        engine.AddWaiting(Item("h1"));
        Assert.Equal(Id("alex"), Assert.Single(engine.Assign(T0)).Agent);

        Assert.True(engine.Decline("h1", T0.AddSeconds(10)));
        Assert.Equal(0, engine.GetAgent(Id("alex"))!.ActiveConversations);

        var next = Assert.Single(engine.Assign(T0.AddSeconds(10)));
        Assert.Equal(Id("sam"), next.Agent);
        Assert.Contains(Id("alex"), engine.GetStatus("h1")!.Item.Request.Declined);
    }

    [Fact]
    public void AnExpiredOfferGoesToTheNextAgentAndNeverBackToTheSameOne()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex"));
        engine.AddWaiting(Item("h1"));
        Assert.Single(engine.Assign(T0));

        Assert.True(engine.ExpireOffer("h1", T0.AddSeconds(45)));

        Assert.Empty(engine.Assign(T0.AddSeconds(45)));
        Assert.Single(engine.Waiting("general", T0.AddSeconds(45)));
        engine.UpsertAgent(Agent("sam"));
        Assert.Equal(Id("sam"), Assert.Single(engine.Assign(T0.AddSeconds(46))).Agent);
    }

    [Fact]
    public void AnAgentGoingAwayReQueuesWhatWasOfferedToThem()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex"));
        engine.AddWaiting(Item("h1"));
        Assert.Single(engine.Assign(T0));

        var requeued = engine.SetPresence(Id("alex"), AgentPresence.Away, T0.AddSeconds(5));

        Assert.Equal(["h1"], requeued);
        Assert.Equal(RoutedItemState.Waiting, engine.GetStatus("h1")!.State);
        engine.UpsertAgent(Agent("sam"));
        Assert.Equal(Id("sam"), Assert.Single(engine.Assign(T0.AddSeconds(6))).Agent);
    }

    [Fact]
    public void AcceptedConversationsStayWhenTheAgentGoesAwayAndCompleteFreesTheSlot()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", capacity: 1));
        engine.AddWaiting(Item("h1"));
        engine.AddWaiting(Item("h2", enqueuedAt: T0.AddSeconds(1)));
        Assert.Equal("h1", Assert.Single(engine.Assign(T0)).HandoffId);
        Assert.True(engine.Accept("h1", Id("alex"), T0.AddSeconds(5)));

        Assert.Empty(engine.SetPresence(Id("alex"), AgentPresence.Away, T0.AddMinutes(1)));
        engine.SetPresence(Id("alex"), AgentPresence.Available, T0.AddMinutes(2));
        Assert.Empty(engine.Assign(T0.AddMinutes(2)));

        Assert.True(engine.Complete("h1", T0.AddMinutes(10)));
        Assert.Equal("h2", Assert.Single(engine.Assign(T0.AddMinutes(10))).HandoffId);
        Assert.False(engine.Complete("h1", T0.AddMinutes(11)));
    }

    [Fact]
    public void AnotherAgentCanAcceptAnItemOfferedToSomeoneElse()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", lastAssignedAt: T0.AddHours(-1)));
        engine.UpsertAgent(Agent("sam", lastAssignedAt: T0.AddMinutes(-10)));
        engine.AddWaiting(Item("h1"));
        Assert.Equal(Id("alex"), Assert.Single(engine.Assign(T0)).Agent);

        Assert.True(engine.Accept("h1", Id("sam"), T0.AddSeconds(3)));
        Assert.False(engine.Accept("h1", Id("alex"), T0.AddSeconds(4)));

        Assert.Equal(0, engine.GetAgent(Id("alex"))!.ActiveConversations);
        Assert.Equal(1, engine.GetAgent(Id("sam"))!.ActiveConversations);
        Assert.Equal(Id("sam"), engine.GetStatus("h1")!.Agent);
    }

    [Fact]
    public void RemovingAnOfferedItemGivesTheAgentTheirSlotBack()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", capacity: 1));
        engine.AddWaiting(Item("h1"));
        engine.AddWaiting(Item("h2", enqueuedAt: T0.AddSeconds(1)));
        Assert.Single(engine.Assign(T0));

        Assert.True(engine.RemoveWaiting("h1"));
        Assert.False(engine.RemoveWaiting("h1"));

        Assert.Equal("h2", Assert.Single(engine.Assign(T0.AddSeconds(2))).HandoffId);
        Assert.Null(engine.GetStatus("h1"));
    }

    [Fact]
    public void HigherPriorityIsServedFirstAndTheQueuePriorityCounts()
    {
        var engine = Engine();
        engine.AddWaiting(Item("general-normal", "general", priority: 1, skill: "any"));
        engine.AddWaiting(Item("fraud-normal", "fraud", priority: 1, skill: "any"));
        engine.AddWaiting(Item("general-urgent", "general", priority: 3, skill: "any"));

        Assert.Equal(["fraud-normal", "general-urgent", "general-normal"],
            engine.Waiting(null, T0).Select(w => w.Item.Request.HandoffId));

        engine.UpsertAgent(Agent("alex", "any:5", capacity: 1));
        Assert.Equal("fraud-normal", Assert.Single(engine.Assign(T0)).HandoffId);
    }

    [Fact]
    public void ALowPriorityItemEventuallyBeatsNewerHighPriorityOnes()
    {
        var engine = Engine();
        engine.AddWaiting(Item("old-low", priority: 0, enqueuedAt: T0));
        // Three priority steps higher, but arriving later: aging gives the old item one step per minute.
        engine.AddWaiting(Item("new-high-2min", priority: 3, enqueuedAt: T0.AddMinutes(2)));
        engine.AddWaiting(Item("new-high-4min", priority: 3, enqueuedAt: T0.AddMinutes(4)));

        var order = engine.Waiting("general", T0.AddMinutes(5)).Select(w => w.Item.Request.HandoffId).ToList();

        // old-low: 0 + 5 = 5; new-high-2min: 3 + 3 = 6; new-high-4min: 3 + 1 = 4.
        Assert.Equal(["new-high-2min", "old-low", "new-high-4min"], order);
        engine.UpsertAgent(Agent("alex", capacity: 1));
        Assert.Equal("new-high-2min", Assert.Single(engine.Assign(T0.AddMinutes(5))).HandoffId);
        Assert.True(engine.Accept("new-high-2min", Id("alex"), T0.AddMinutes(5)));
        Assert.True(engine.Complete("new-high-2min", T0.AddMinutes(9)));
        Assert.Equal("old-low", Assert.Single(engine.Assign(T0.AddMinutes(9))).HandoffId);
    }

    [Fact]
    public void NothingStarvesUnderAStreamOfHighPriorityItems()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", capacity: 1));
        engine.AddWaiting(Item("low", priority: 0, enqueuedAt: T0));
        string? served = null;
        var now = T0;
        for (var i = 0; i < 60 && served != "low"; i++)
        {
            // Every 30 s a new urgent item arrives and the agent finishes one conversation.
            engine.AddWaiting(Item($"urgent{i}", priority: 3, enqueuedAt: now));
            var assignment = Assert.Single(engine.Assign(now));
            served = assignment.HandoffId;
            engine.Accept(served, assignment.Agent, now);
            now = now.AddSeconds(30);
            engine.Complete(served, now);
        }

        Assert.Equal("low", served);
        Assert.True(now - T0 <= TimeSpan.FromMinutes(5), $"served after {now - T0}");
    }

    [Fact]
    public void TheSkillRequirementIsRelaxedToProficiencyOneAfterTheWait()
    {
        var engine = Engine(configure: o => o.FallbackSkill = null);
        engine.UpsertAgent(Agent("junior", "billing:1"));
        engine.AddWaiting(Item("h1", "billing", requiredProficiency: 4, enqueuedAt: T0));

        Assert.Empty(engine.Assign(T0.AddMinutes(2).AddSeconds(59)));
        var assignment = Assert.Single(engine.Assign(T0.AddMinutes(3)));

        Assert.Equal(Id("junior"), assignment.Agent);
        Assert.Contains("relaxed", assignment.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AfterTheWaitAnAgentWithTheFallbackSkillQualifies()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("generalist", "general:2"));
        engine.AddWaiting(Item("h1", "legal", enqueuedAt: T0));

        Assert.Empty(engine.Assign(T0.AddMinutes(1)));
        Assert.False(engine.HasQualifiedAgent("legal", "webchat", T0.AddMinutes(1), TimeSpan.FromMinutes(1)));
        Assert.True(engine.HasQualifiedAgent("legal", "webchat", T0.AddMinutes(1), TimeSpan.FromMinutes(15)));

        Assert.Equal(Id("generalist"), Assert.Single(engine.Assign(T0.AddMinutes(3))).Agent);
    }

    [Fact]
    public void AnAgentBecomingFreeTakesTheBestItemTheyQualifyFor()
    {
        var engine = Engine();
        engine.AddWaiting(Item("legal1", "legal", priority: 3, enqueuedAt: T0));
        engine.AddWaiting(Item("billing-old", "billing", priority: 1, enqueuedAt: T0));
        engine.AddWaiting(Item("billing-new", "billing", priority: 1, enqueuedAt: T0.AddSeconds(30)));
        engine.AddWaiting(Item("general1", "general", priority: 1, enqueuedAt: T0));

        engine.UpsertAgent(Agent("alex", "general:4,billing:5", capacity: 1));

        Assert.Equal("billing-old", Assert.Single(engine.Assign(T0.AddMinutes(1))).HandoffId);
    }

    [Fact]
    public void TheAgentWhoLastServedTheCustomerIsPreferredWithinTheWindow()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", lastAssignedAt: T0.AddHours(-3)));
        engine.UpsertAgent(Agent("sam", lastAssignedAt: T0.AddHours(-1), active: 1));
        engine.RecordServed("webchat/ann", Id("sam"), T0.AddHours(-20));
        engine.AddWaiting(Item("h1", customer: "webchat/ann"));

        var assignment = Assert.Single(engine.Assign(T0));

        Assert.Equal(Id("sam"), assignment.Agent);
        Assert.Contains("served this customer", assignment.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLastAgentIsNotPreferredAfterTheWindow()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", lastAssignedAt: T0.AddHours(-3)));
        engine.UpsertAgent(Agent("sam", lastAssignedAt: T0.AddHours(-1), active: 1));
        engine.RecordServed("webchat/ann", Id("sam"), T0.AddHours(-25));
        engine.AddWaiting(Item("h1", customer: "webchat/ann"));

        Assert.Equal(Id("alex"), Assert.Single(engine.Assign(T0)).Agent);
    }

    [Fact]
    public void AcceptingRemembersWhoServedTheCustomer()
    {
        var engine = Engine(policy: "LongestIdle");
        engine.UpsertAgent(Agent("alex", lastAssignedAt: T0.AddHours(-3)));
        engine.UpsertAgent(Agent("sam", lastAssignedAt: T0.AddHours(-1)));
        engine.AddWaiting(Item("h1", customer: "sms/+15550100"));
        Assert.True(engine.Accept("h1", Id("sam"), T0));
        Assert.True(engine.Complete("h1", T0.AddMinutes(5)));

        engine.AddWaiting(Item("h2", customer: "sms/+15550100", enqueuedAt: T0.AddHours(1)));

        Assert.Equal(Id("sam"), Assert.Single(engine.Assign(T0.AddHours(1))).Agent);
    }

    [Fact]
    public void AddingTheSameHandoffTwiceIsRejected()
    {
        var engine = Engine();
        engine.AddWaiting(Item("h1"));

        Assert.Throws<InvalidOperationException>(() => engine.AddWaiting(Item("h1")));
    }

    [Fact]
    public void AssignRespectsMaxAndContinuesLater()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", capacity: 10));
        for (var i = 0; i < 4; i++)
        {
            engine.AddWaiting(Item($"h{i}", enqueuedAt: T0.AddSeconds(i)));
        }

        Assert.Equal(["h0", "h1"], engine.Assign(T0, max: 2).Select(a => a.HandoffId));
        Assert.Equal(["h2", "h3"], engine.Assign(T0).Select(a => a.HandoffId));
    }

    [Fact]
    public void RemovingAnAgentReQueuesTheirOffers()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex"));
        engine.AddWaiting(Item("h1"));
        Assert.Single(engine.Assign(T0));

        engine.RemoveAgent(Id("alex"));

        Assert.Equal(RoutedItemState.Waiting, engine.GetStatus("h1")!.State);
        Assert.Null(engine.GetAgent(Id("alex")));
        Assert.Empty(engine.Assign(T0));
    }

    [Fact]
    public void AnAgentWhoGainedRoomStillGetsTheirItemWhenABetterOneGoesToSomeoneElse()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("yan", "fraud:3", capacity: 1));
        engine.UpsertAgent(Agent("xia", "billing:3", capacity: 1));
        engine.RestoreAccepted(Item("y-busy", "fraud"), Id("yan"), T0.AddMinutes(-10));
        engine.RestoreAccepted(Item("x-busy", "billing"), Id("xia"), T0.AddMinutes(-10));
        engine.AddWaiting(Item("urgent", "fraud", priority: 3, enqueuedAt: T0));
        engine.AddWaiting(Item("routine", "billing", priority: 0, enqueuedAt: T0));
        Assert.Empty(engine.Assign(T0));

        // yan frees up first, then xia: the fraud item is better than anything xia can take, but xia's item is still theirs.
        engine.Complete("y-busy", T0.AddMinutes(1));
        engine.Complete("x-busy", T0.AddMinutes(1));
        var assignments = engine.Assign(T0.AddMinutes(1));

        Assert.Equal([("urgent", Id("yan")), ("routine", Id("xia"))], assignments.Select(a => (a.HandoffId, a.Agent)));
    }
}
