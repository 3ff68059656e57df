using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Postgres;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Handoff;

/// <summary>
/// What every <see cref="IHandoffStore"/> provider must do: atomic transitions (exactly one of many accepts wins), one
/// active handoff per customer, and a change stored with its consequences (outbox rows) in one commit or not at all.
/// </summary>
public abstract class HandoffStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private IAsyncDisposable? _database;
    private IHandoffStore _store = null!;
    private IHandoffOutbox _outbox = null!;

    /// <summary>Whether the provider leaves out the records of handoffs whose version the caller already knows (PostgreSQL, where routing runs across instances).</summary>
    protected virtual bool ReadsOnlyChangedRecords => false;

    /// <summary>A new, empty store and outbox of the provider under test, on one database; a <see cref="FailingRecord"/> must fail its commit.</summary>
    protected abstract Task<(IAsyncDisposable Database, IHandoffStore Store, IHandoffOutbox Outbox)> CreateAsync();

    public async Task InitializeAsync() => (_database, _store, _outbox) = await CreateAsync();

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    internal static HandoffRecord Draft(string id, string customer = "emulator/conversations/c1") => new()
    {
        Id = id,
        CustomerKey = customer,
        Customer = new ConversationReference { ChannelId = "emulator", Conversation = new ConversationAccount { Id = customer } },
        Queue = "billing",
        Skill = "billing",
        Priority = HandoffBot.Escalation.EscalationPriority.Normal,
        Reason = "The customer asked for a person.",
    };

    private async Task<HandoffRecord> OpenAsync(string id, string customer = "emulator/conversations/c1")
    {
        var created = await _store.CreateAsync(HandoffRecord.Open(Draft(id, customer), Now), HandoffActor.Customer("u1"), CancellationToken.None);
        return created.Value!;
    }

    [Fact]
    public void AHandoffStoredBeforePrioritiesWereNamesReadsWithTheSamePriority()
    {
        var written = System.Text.Json.JsonSerializer.Serialize(HandoffRecord.Open(Draft("h-old") with { Priority = HandoffBot.Escalation.EscalationPriority.High }, Now).Value!,
            HandoffJsonContext.Default.HandoffRecord);
        Assert.Contains("\"priority\":\"High\"", written, StringComparison.Ordinal);

        var old = written.Replace("\"priority\":\"High\"", "\"priority\":2", StringComparison.Ordinal);
        var read = System.Text.Json.JsonSerializer.Deserialize(old, HandoffJsonContext.Default.HandoffRecord)!;
        Assert.Equal(HandoffBot.Escalation.EscalationPriority.High, read.Priority);
    }

    [Fact]
    public async Task HundredAgentsAcceptingAtOnceYieldExactlyOneWinnerAndTheOthersLearnWhoWon()
    {
        await OpenAsync("h-race");
        using var start = new ManualResetEventSlim(false);
        var claims = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await _store.TryClaimAsync("h-race", $"agent-{i}", $"Agent {i}", Now.AddSeconds(1), CancellationToken.None);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(claims);

        var winner = Assert.Single(results, r => r.Succeeded);
        var losers = results.Where(r => !r.Succeeded).ToList();
        Assert.Equal(99, losers.Count);
        Assert.All(losers, l =>
        {
            Assert.Equal(HandoffError.AlreadyAccepted, l.Error!.Code);
            Assert.Equal(winner.Value!.AgentName, l.Error.AcceptedBy);
        });
        var stored = await _store.GetAsync("h-race", CancellationToken.None);
        Assert.Equal(HandoffStatus.WithAgent, stored!.Status);
        Assert.Equal(winner.Value!.AgentId, stored.AgentId);
        var audit = await _store.ReadAuditAsync("h-race", CancellationToken.None);
        Assert.Single(audit, a => a.Action == "accept");
    }

    [Fact]
    public async Task EveryTransitionIsAuditedWithWhoWhenAndWhy()
    {
        await OpenAsync("h-audit");
        await _store.TryTransitionAsync("h-audit", h => h.Offer("alex", Now.AddSeconds(1), "LeastBusy"), HandoffActor.System, CancellationToken.None);
        await _store.TryTransitionAsync("h-audit", h => h.Decline("alex", Now.AddSeconds(5)), HandoffActor.Agent("alex", "Alex"), CancellationToken.None);
        await _store.TryClaimAsync("h-audit", "sam", "Sam", Now.AddSeconds(9), CancellationToken.None);
        await _store.TryTransitionAsync("h-audit", h => h.End(Now.AddMinutes(5), "ended by agent Sam"), HandoffActor.Agent("sam", "Sam"), CancellationToken.None);

        var audit = await _store.ReadAuditAsync("h-audit", CancellationToken.None);

        Assert.Equal(["open", "offer", "decline", "accept", "end"], audit.Select(a => a.Action));
        Assert.Equal(
            [(HandoffStatus.Bot, HandoffStatus.Queued), (HandoffStatus.Queued, HandoffStatus.Offered), (HandoffStatus.Offered, HandoffStatus.Queued),
             (HandoffStatus.Queued, HandoffStatus.WithAgent), (HandoffStatus.WithAgent, HandoffStatus.Bot)],
            audit.Select(a => (a.From, a.To)));
        Assert.Equal("alex", audit[2].Actor.Id);
        Assert.Equal(Now.AddSeconds(5), audit[2].At);
        Assert.Contains("declined by alex", audit[2].Reason, StringComparison.Ordinal);
        var final = await _store.GetAsync("h-audit", CancellationToken.None);
        Assert.Equal(5, final!.Version);
        Assert.Equal(["alex"], final.Declined);
    }

    [Fact]
    public async Task TheRoutingOwnersLookAtActiveHandoffsReturnsRecordsOnlyWhereTheVersionMoved()
    {
        var kept = await OpenAsync("h-kept", "emulator/conversations/k");
        var moved = await OpenAsync("h-moved", "emulator/conversations/m");
        var ended = await OpenAsync("h-ended", "emulator/conversations/e");
        await OpenAsync("h-new", "emulator/conversations/n");
        await _store.TryTransitionAsync("h-moved", h => h.Offer("alex", Now.AddSeconds(1), "LeastBusy"), HandoffActor.System, CancellationToken.None);
        await _store.TryTransitionAsync("h-ended", h => h.Cancel(Now.AddSeconds(2), "the customer cancelled"), HandoffActor.Customer("u1"), CancellationToken.None);
        var known = new Dictionary<string, long> { ["h-kept"] = kept.Version, ["h-moved"] = moved.Version, ["h-ended"] = ended.Version };

        var listed = (await _store.ListActiveChangedAsync(known, CancellationToken.None)).ToDictionary(h => h.Id);

        Assert.Equal(["h-kept", "h-moved", "h-new"], listed.Keys.Order(StringComparer.Ordinal)); // the cancelled one is not active
        Assert.Equal(kept.Version, listed["h-kept"].Version);
        if (ReadsOnlyChangedRecords)
        {
            Assert.Null(listed["h-kept"].Changed);
        }
        else
        {
            Assert.Equal(kept.Version, listed["h-kept"].Changed!.Version); // the interface's default reads every record
        }
        Assert.Equal(HandoffStatus.Offered, listed["h-moved"].Changed!.Status);
        Assert.Equal(moved.Version + 1, listed["h-moved"].Version);
        Assert.Null(listed["h-moved"].Changed!.Packet);
        Assert.Equal(HandoffStatus.Queued, listed["h-new"].Changed!.Status);
    }

    [Fact]
    public async Task ACustomerHasAtMostOneActiveHandoff()
    {
        await OpenAsync("h-first", "emulator/conversations/same");

        var second = await _store.CreateAsync(HandoffRecord.Open(Draft("h-second", "emulator/conversations/same"), Now), HandoffActor.Customer("u1"), CancellationToken.None);

        Assert.False(second.Succeeded);
        Assert.Equal(HandoffError.Conflict, second.Error!.Code);
        Assert.Null(await _store.GetAsync("h-second", CancellationToken.None));
    }

    [Fact]
    public async Task AnInvalidTransitionIsRefusedAndNothingIsStored()
    {
        await OpenAsync("h-invalid");

        var ended = await _store.TryTransitionAsync("h-invalid", h => h.End(Now, "too early"), HandoffActor.System, CancellationToken.None);

        Assert.Equal(HandoffError.InvalidTransition, ended.Error!.Code);
        Assert.Equal(HandoffStatus.Queued, (await _store.GetAsync("h-invalid", CancellationToken.None))!.Status);
        Assert.Single(await _store.ReadAuditAsync("h-invalid", CancellationToken.None));
    }

    [Fact]
    public async Task TheSweepSeesWaitingUnannouncedAndDueOffersButNotFreshOffersOrConversationsWithAgents()
    {
        var hub = new ConversationReference { ChannelId = "emulator", Conversation = new ConversationAccount { Id = "hub" } };
        async Task OpenAnnouncedAsync(string id, DateTimeOffset? offeredAt = null, bool accept = false)
        {
            await OpenAsync(id, $"emulator/conversations/{id}");
            await _store.UpdateAsync(id, h => h with { HubThread = hub }, CancellationToken.None);
            if (offeredAt is { } at)
            {
                await _store.TryTransitionAsync(id, h => h.Offer("alex", at, "test"), HandoffActor.System, CancellationToken.None);
            }
            if (accept)
            {
                await _store.TryClaimAsync(id, "alex", "Alex", Now.AddSeconds(30), CancellationToken.None);
            }
        }
        await OpenAnnouncedAsync("h-waiting");
        await OpenAnnouncedAsync("h-due", offeredAt: Now);
        await OpenAnnouncedAsync("h-fresh", offeredAt: Now.AddMinutes(2));
        await OpenAnnouncedAsync("h-with-agent", offeredAt: Now, accept: true);
        await OpenAsync("h-unannounced", "emulator/conversations/h-unannounced");
        await _store.TryTransitionAsync("h-unannounced", h => h.Offer("sam", Now.AddMinutes(2), "test"), HandoffActor.System, CancellationToken.None);

        var sweep = await _store.ListForSweepAsync(Now.AddMinutes(1), CancellationToken.None);

        Assert.Equal(["h-due", "h-unannounced", "h-waiting"], sweep.Select(h => h.Id).Order(StringComparer.Ordinal));
        Assert.Equal(HandoffStatus.Offered, sweep.Single(h => h.Id == "h-due").Status);
        Assert.Equal(5, (await _store.ListActiveWithoutPacketsAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task AnEndedHandoffFreesTheCustomerForANewOne()
    {
        await OpenAsync("h-old", "emulator/conversations/again");
        await _store.TryTransitionAsync("h-old", h => h.Cancel(Now, "changed their mind"), HandoffActor.Customer("u1"), CancellationToken.None);

        var again = await _store.CreateAsync(HandoffRecord.Open(Draft("h-new", "emulator/conversations/again"), Now.AddMinutes(1)), HandoffActor.Customer("u1"), CancellationToken.None);

        Assert.True(again.Succeeded);
        Assert.Equal("h-new", (await _store.GetLatestForCustomerAsync("emulator/conversations/again", CancellationToken.None))!.Id);
    }

    [Fact]
    public async Task AnOfferAndTheMessageTellingItsAgentAreStoredInOneCommitOrNotAtAll()
    {
        await OpenAsync("h-told", "emulator/conversations/told");
        await OpenAsync("h-untold", "emulator/conversations/untold");
        static IReadOnlyList<ITurnRecord> Tell(HandoffRecord offered) =>
            [new OutboxMessage($"hub:{offered.Id}:offer:{offered.OfferedTo}", offered.Id, new Activity { Type = ActivityTypes.Message, Text = "yours" }, ToCustomer: false)];

        var told = await _store.TryTransitionAsync("h-told", h => h.Offer("alex", Now, "test"), HandoffActor.System, Tell, CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => _store.TryTransitionAsync("h-untold", h => h.Offer("alex", Now, "test"), HandoffActor.System,
            offered => [.. Tell(offered), new FailingRecord()], CancellationToken.None));

        Assert.Equal(HandoffStatus.Offered, told.Value!.Status);
        var pending = await _outbox.UndeliveredAsync(CancellationToken.None);
        Assert.Equal(["hub:h-told:offer:alex"], pending.Select(p => p.Key));
        var untold = await _store.GetAsync("h-untold", CancellationToken.None);
        Assert.Equal(HandoffStatus.Queued, untold!.Status); // the message could not be stored, so neither was the offer
        Assert.Equal(["open"], (await _store.ReadAuditAsync("h-untold", CancellationToken.None)).Select(a => a.Action));
    }

    [Fact]
    public async Task AChangeAndItsConsequencesAreOneCommit()
    {
        await OpenAsync("h-announce", "emulator/conversations/announce");
        var hub = new ConversationReference { ChannelId = "emulator", Conversation = new ConversationAccount { Id = "hub" } };

        await Assert.ThrowsAsync<InvalidOperationException>(() => _store.UpdateAsync("h-announce", h => h with { HubThread = hub }, _ => [new FailingRecord()], CancellationToken.None));
        Assert.Null((await _store.GetAsync("h-announce", CancellationToken.None))!.HubThread);

        var announced = await _store.UpdateAsync("h-announce", h => h with { HubThread = hub },
            h => [new OutboxMessage($"hub:{h.Id}:announce", h.Id, new Activity { Type = ActivityTypes.Event, Name = "handoff.initiate" }, ToCustomer: false)], CancellationToken.None);

        Assert.Equal("hub", announced!.HubThread!.Conversation!.Id);
        Assert.Equal(["hub:h-announce:announce"], (await _outbox.UndeliveredAsync(CancellationToken.None)).Select(p => p.Key));
    }

    /// <summary>A record whose write fails inside the transaction (as a full disk or a constraint would).</summary>
    protected sealed record FailingRecord : ITurnRecord;
}

public sealed class SqliteHandoffStoreTests : HandoffStoreContract
{
    protected override Task<(IAsyncDisposable Database, IHandoffStore Store, IHandoffOutbox Outbox)> CreateAsync()
    {
        var options = Options.Create(new StorageOptions { SqliteConnectionString = $"Data Source=store-{Guid.NewGuid():N};Mode=Memory;Cache=Shared" });
        var database = new SqliteDatabase(options, [new SqliteHandoffStore.Schema(), new SqliteAnalyticsStore.Schema(), new SqliteHandoffOutbox.Schema()], new HostingEnvironment { ContentRootPath = AppContext.BaseDirectory }, TimeProvider.System);
        var store = new SqliteHandoffStore(database, new SqliteRecordWriters([new SqliteOutboxWriter(TimeProvider.System), new FailingWriter()]), new HandoffBot.Handoff.Events.HandoffEventSignal());
        return Task.FromResult<(IAsyncDisposable, IHandoffStore, IHandoffOutbox)>((database, store, new SqliteHandoffOutbox(database, new OutboxSignal(), TimeProvider.System)));
    }

    private sealed class FailingWriter : SqliteTurnRecordWriter<FailingRecord>
    {
        protected override Action<SqliteSession> Prepare(FailingRecord record) => _ => throw new InvalidOperationException("the write failed");
    }
}

public sealed class PostgresHandoffStoreTests : HandoffStoreContract
{
    protected override bool ReadsOnlyChangedRecords => true;

    protected override async Task<(IAsyncDisposable Database, IHandoffStore Store, IHandoffOutbox Outbox)> CreateAsync()
    {
        var test = await PostgresTestDatabase.CreateAsync(TimeProvider.System, new PostgresHandoffRows.Schema(), new PostgresAnalyticsStore.Schema(), new PostgresHandoffOutbox.Schema());
        var store = new PostgresHandoffStore(test.Database, new PostgresRecordWriters([new PostgresOutboxWriter(TimeProvider.System), new FailingWriter()]), new HandoffBot.Handoff.Events.HandoffEventSignal());
        return (test, store, new PostgresHandoffOutbox(test.Database, new OutboxSignal(), TimeProvider.System));
    }

    private sealed class FailingWriter : PostgresTurnRecordWriter<FailingRecord>
    {
        protected override Func<PostgresSession, Task> Prepare(FailingRecord record) => _ => throw new InvalidOperationException("the write failed");
    }
}
