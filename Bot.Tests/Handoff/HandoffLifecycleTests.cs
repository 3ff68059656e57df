using HandoffBot.Handoff;

namespace HandoffBot.Tests.Handoff;

public sealed class HandoffLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private static HandoffRecord Queued() => HandoffRecord.Open(HandoffStoreContract.Draft("h1"), Now).Value!;

    [Fact]
    public void TheHappyPathGoesBotQueuedOfferedWithAgentBot()
    {
        var queued = Queued();
        var offered = queued.Offer("alex", Now.AddSeconds(1), "LeastBusy").Value!;
        var accepted = offered.Accept("alex", "Alex", Now.AddSeconds(2)).Value!;
        var ended = accepted.End(Now.AddMinutes(3), "done").Value!;

        Assert.Equal(
            [HandoffStatus.Queued, HandoffStatus.Offered, HandoffStatus.WithAgent, HandoffStatus.Bot],
            new[] { queued, offered, accepted, ended }.Select(h => h.Status));
        Assert.Equal("Alex", ended.AgentName);
        Assert.False(ended.IsActive);
    }

    [Fact]
    public void OnlyTheAgentAnOfferWentToCanDeclineIt()
    {
        var offered = Queued().Offer("alex", Now, "LeastBusy").Value!;

        var wrong = offered.Decline("sam", Now);
        var right = offered.Decline("alex", Now);

        Assert.Equal(HandoffError.NotOffered, wrong.Error!.Code);
        Assert.Equal(HandoffStatus.Queued, right.Value!.Status);
        Assert.Contains("alex", right.Value.Declined);
    }

    [Fact]
    public void AnExpiredOfferGoesBackToTheQueueAndSkipsThatAgentNextTime()
    {
        var expired = Queued().Offer("alex", Now, "LeastBusy").Value!.ExpireOffer(Now.AddMinutes(1)).Value!;

        Assert.Equal(HandoffStatus.Queued, expired.Status);
        Assert.Null(expired.OfferedTo);
        Assert.Equal(["alex"], expired.Declined);
    }

    [Fact]
    public void AWithdrawnOfferDoesNotCountAsADecline()
    {
        var withdrawn = Queued().Offer("alex", Now, "LeastBusy").Value!.Withdraw(Now, "alex went away").Value!;

        Assert.Equal(HandoffStatus.Queued, withdrawn.Status);
        Assert.Empty(withdrawn.Declined);
    }

    [Fact]
    public void ASecondAcceptIsToldWhoAcceptedFirst()
    {
        var accepted = Queued().Accept("alex", "Alex", Now).Value!;

        var late = accepted.Accept("sam", "Sam", Now);

        Assert.Equal(HandoffError.AlreadyAccepted, late.Error!.Code);
        Assert.Equal("Alex", late.Error.AcceptedBy);
    }

    [Fact]
    public void FinishedHandoffsAcceptNoFurtherTransitions()
    {
        var cancelled = Queued().Cancel(Now, "changed their mind").Value!;

        Assert.All(
            new[] { cancelled.Offer("a", Now, "p"), cancelled.Accept("a", "A", Now), cancelled.End(Now, "x"), cancelled.Cancel(Now, "again"), cancelled.GiveUp(Now, "x") },
            t => Assert.Equal(HandoffError.InvalidTransition, t.Error!.Code));
        Assert.Equal(HandoffStatus.Cancelled, cancelled.Status);
    }

    [Fact]
    public void AWaitingHandoffWithNobodyQualifiedBecomesUnassigned()
    {
        var unassigned = Queued().GiveUp(Now.AddMinutes(15), "no qualified agent").Value!;

        Assert.Equal(HandoffStatus.Unassigned, unassigned.Status);
        Assert.Equal(Now.AddMinutes(15), unassigned.EndedAt);
    }

    [Fact]
    public void TransferPutsTheCustomerInAnotherQueue()
    {
        var transferred = Queued().Accept("alex", "Alex", Now).Value!.Transfer("fraud", "fraud", Now.AddMinutes(2), "needs fraud team").Value!;

        Assert.Equal(HandoffStatus.Queued, transferred.Status);
        Assert.Equal("fraud", transferred.Queue);
        Assert.Null(transferred.AgentId);
    }
}
