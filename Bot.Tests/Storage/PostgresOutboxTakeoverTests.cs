using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Storage.Postgres;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Storage;

/// <summary>
/// Two instances on one outbox: each takes back only its own rows in flight after a restart, and the rows a dead
/// instance had in flight go to the other one once that instance's lease ran out, in their order.
/// </summary>
public sealed class PostgresOutboxTakeoverTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private PostgresTestDatabase _test = null!;
    private PostgresDatabase _databaseB = null!;
    private PostgresHandoffOutbox _a = null!;
    private PostgresHandoffOutbox _b = null!;
    private PostgresInstanceHeartbeat _heartbeatA = null!;
    private PostgresInstanceHeartbeat _heartbeatB = null!;

    public async Task InitializeAsync()
    {
        IPostgresSchema[] schemas = [new PostgresHandoffOutbox.Schema(), new PostgresTranscriptStore.Schema(), new PostgresInstanceHeartbeat.Schema()];
        _test = await PostgresTestDatabase.CreateAsync(_time, schemas);
        _databaseB = PostgresTestDatabase.Open(_test.ConnectionString, _time, schemas, "instance-b");
        _a = new PostgresHandoffOutbox(_test.Database, new OutboxSignal(), _time);
        _b = new PostgresHandoffOutbox(_databaseB, new OutboxSignal(), _time);
        var options = Options.Create(new PostgresOptions { InstanceLease = Lease });
        _heartbeatA = new PostgresInstanceHeartbeat(_test.Database, options, _time);
        _heartbeatB = new PostgresInstanceHeartbeat(_databaseB, options, _time);
    }

    public async Task DisposeAsync()
    {
        await _databaseB.DisposeAsync();
        await _test.DisposeAsync();
    }

    private static OutboxMessage ToCustomer(string key) => new(key, "h1", new Activity
    {
        Type = ActivityTypes.Message,
        Text = key,
        ChannelId = "emulator",
        ServiceUrl = "http://127.0.0.1:9/",
        Conversation = new ConversationAccount { Id = "conv-a" },
    }, ToCustomer: true);

    private Task<IReadOnlyList<OutboxDelivery>> ClaimAsync(PostgresHandoffOutbox outbox) => outbox.ClaimDueAsync(_time.GetUtcNow(), 512, 32, CancellationToken.None);

    [Fact]
    public async Task RowsInFlightOnALiveInstanceStayItsOwnAndARestartOfTheOtherTakesNothingBack()
    {
        await _heartbeatA.BeatAsync(CancellationToken.None);
        await _a.EnqueueAsync(ToCustomer("m1"), CancellationToken.None);
        Assert.Single(await ClaimAsync(_a));
        await _a.EnqueueAsync(ToCustomer("m2"), CancellationToken.None);

        Assert.Empty(await ClaimAsync(_b)); // m1 in flight on A holds m2, its destination's next row
        Assert.Equal(0, await _b.RecoverAbandonedAsync(CancellationToken.None));
        Assert.Equal(1, await _a.RecoverAbandonedAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RowsInFlightOnAnInstanceWhoseLeaseRanOutAreClaimedByTheOtherInOrder()
    {
        await _heartbeatA.BeatAsync(CancellationToken.None);
        await _heartbeatB.BeatAsync(CancellationToken.None);
        foreach (var key in new[] { "m1", "m2", "m3" })
        {
            await _a.EnqueueAsync(ToCustomer(key), CancellationToken.None);
        }
        Assert.Equal(["m1", "m2"], (await _a.ClaimDueAsync(_time.GetUtcNow(), 2, 32, CancellationToken.None)).Select(d => d.Message.Key));

        _time.Advance(Lease - TimeSpan.FromSeconds(1));
        await _heartbeatB.BeatAsync(CancellationToken.None);
        Assert.Empty(await ClaimAsync(_b)); // A's lease still runs: its rows are its own

        _time.Advance(TimeSpan.FromSeconds(2)); // A stopped beating (killed)
        var taken = await ClaimAsync(_b);

        Assert.Equal(["m1", "m2", "m3"], taken.Select(d => d.Message.Key));
        Assert.Equal(3, await _b.RecoverAbandonedAsync(CancellationToken.None)); // all three are B's now: a restart of B takes them back
    }

    [Fact]
    public async Task AClaimRenewsTheClaimersLeaseSoItsRowsAreNotTakenOverWithinALeaseOfTheClaim()
    {
        await _heartbeatA.BeatAsync(CancellationToken.None);
        await _a.EnqueueAsync(ToCustomer("m1"), CancellationToken.None);
        _time.Advance(Lease - TimeSpan.FromSeconds(1));
        var onA = Assert.Single(await ClaimAsync(_a)); // A's heartbeat stops here; its claim renewed the lease

        _time.Advance(TimeSpan.FromSeconds(2)); // past the last heartbeat's lease, within the claim's
        await _heartbeatB.BeatAsync(CancellationToken.None);
        Assert.Empty(await ClaimAsync(_b));
        Assert.True(await _a.IsStillClaimedAsync(onA, CancellationToken.None));

        _time.Advance(Lease); // now past the claim's lease too
        Assert.Equal(["m1"], (await ClaimAsync(_b)).Select(d => d.Message.Key));
    }

    [Fact]
    public async Task ARowTakenOverByAnotherInstanceIsNoLongerTheFirstInstancesToSend()
    {
        await _heartbeatA.BeatAsync(CancellationToken.None);
        await _a.EnqueueAsync(ToCustomer("m1"), CancellationToken.None);
        var onA = Assert.Single(await ClaimAsync(_a));
        Assert.True(await _a.IsStillClaimedAsync(onA, CancellationToken.None));
        Assert.Equal(Lease / 2, _a.ClaimSafeFor);

        _time.Advance(Lease + TimeSpan.FromSeconds(1)); // A is cut off from the database: no heartbeat, no claim
        await _heartbeatB.BeatAsync(CancellationToken.None);
        var onB = Assert.Single(await ClaimAsync(_b));

        Assert.False(await _a.IsStillClaimedAsync(onA, CancellationToken.None));
        Assert.True(await _b.IsStillClaimedAsync(onB, CancellationToken.None));
        // A, back, can neither give the row back nor put it up for a retry: it is B's.
        await _a.ReleaseAsync([onA], CancellationToken.None);
        await _a.MarkUndeliveredAsync(onA, _time.GetUtcNow(), "hub timed out", givenUp: false, CancellationToken.None);
        Assert.True(await _b.IsStillClaimedAsync(onB, CancellationToken.None));
        Assert.Empty(await ClaimAsync(_a));
        await _b.MarkSentAsync([new OutboxSent(onB, "delivered-1", [])], CancellationToken.None);
        Assert.False(await _b.IsStillClaimedAsync(onB, CancellationToken.None));
    }
}
