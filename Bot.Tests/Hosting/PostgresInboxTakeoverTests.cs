using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using HandoffBot.Hosting;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Postgres;
using HandoffBot.Tests.Storage.Contracts;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Hosting;

/// <summary>
/// Issue 13 item 2: the accepted, unfinished turns of an instance that died are run by a live instance once the dead
/// one's lease ran out (not before), each once, in each conversation's order and before a newer queued turn of that
/// conversation, without sending again the replies the dead instance had recorded; two live instances racing for them
/// run each once; an instance cut off from the database past its lease does not run again, once it is back, the turns
/// it still held in memory and that were taken over. The dead instance is its inbox and heartbeat on the shared schema
/// (it stops beating); the live ones are whole bots on fake time.
/// </summary>
public sealed class PostgresInboxTakeoverTests
{
    private const string Channel = "takeover-test";
    private static readonly TimeSpan Lease = new PostgresOptions().InstanceLease;
    private static readonly TimeSpan Tick = Lease / 3;

    private sealed class Live(BotFactory factory, RecordingTransport transport) : IAsyncDisposable
    {
        public BotFactory Factory => factory;

        public RecordingTransport Transport => transport;

        public InboxTakeoverService Takeover => factory.Services.GetRequiredService<InboxTakeoverService>();

        public async Task PostAsync(Activity activity)
        {
            using var client = factory.CreateClient();
            var response = await client.PostAsJsonAsync(MessagesEndpoint.Path, activity, ProtocolJsonContext.Default.Activity);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        public ValueTask DisposeAsync() => factory.DisposeAsync();
    }

    /// <summary>An instance that accepted turns and died: its inbox and its lease, on its own clock.</summary>
    private sealed class Dead(PostgresDatabase database, FakeTimeProvider time) : IAsyncDisposable
    {
        public PostgresInboxStore Inbox { get; } = new(database, time);

        public Task BeatAsync() => new PostgresInstanceHeartbeat(database, Options.Create(new PostgresOptions { InstanceLease = Lease }), time).BeatAsync(CancellationToken.None);

        public async Task<long> AcceptAsync(string id, string conversation, string text) =>
            (await Inbox.AddAsync(QueuedMessages.Message(Channel, id, conversation, text), CancellationToken.None))!.Id;

        public async Task<IReadOnlyList<string?>> PendingAsync() => [.. (await Inbox.ReadPendingAsync(CancellationToken.None)).Select(i => i.Activity.Id)];

        public ValueTask DisposeAsync() => database.DisposeAsync();
    }

    private static Live StartLive(string connectionString, string name, Channel<TurnCommit> commits, RecordingTransport transport, DateTimeOffset now, int lanes = 64)
    {
        var factory = new BotFactory().OnSharedPostgres(connectionString, name)
            .With("Messages:QueuedTurnLanes", lanes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithServices(services =>
            {
                services.AddSingleton<IChannelTransport>(transport);
                services.AddSingleton<ITurnStore>(sp => new SignallingTurnStore(ActivatorUtilities.CreateInstance<PostgresTurnStore>(sp), commits));
            });
        factory.Time.SetUtcNow(now);
        _ = factory.Services.GetRequiredService<ITurnStore>(); // started
        return new Live(factory, transport);
    }

    private static Dead OpenDead(string connectionString, string name, DateTimeOffset now)
    {
        var time = new FakeTimeProvider(now);
        return new Dead(PostgresTestDatabase.Open(connectionString, time, [new PostgresInboxStore.Schema(), new PostgresInstanceHeartbeat.Schema()], name), time);
    }

    private static async Task<List<TurnCommit>> CommitsAsync(Channel<TurnCommit> commits, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var read = new List<TurnCommit>();
        while (read.Count < count)
        {
            TurnCommit next;
            try
            {
                next = await commits.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{read.Count} of {count} turns committed: {string.Join(", ", read.Select(c => InboundOf(c).Id))}");
            }
            if (next is { CompletesInboxItem: not null } turn)
            {
                read.Add(turn);
            }
        }
        return read;
    }

    /// <summary>Whether a queued turn committed beyond those read.</summary>
    private static bool AnotherTurnCommitted(Channel<TurnCommit> commits)
    {
        while (commits.Reader.TryRead(out var commit))
        {
            if (commit.CompletesInboxItem is not null)
            {
                return true;
            }
        }
        return false;
    }

    private static Activity InboundOf(TurnCommit commit) => commit.Transcript.First(a => a.From?.Role == RoleTypes.User);

    [Fact]
    public async Task TurnsPendingOnADeadInstanceRunOnTheLiveOneOnceItsLeaseRanOutInOrderBeforeANewerQueuedTurnAndWithoutRecordedRepliesSentTwice()
    {
        var (schema, connectionString) = PostgresTestDatabase.CreateSchema();
        var run = Guid.NewGuid().ToString("N")[..8];
        var commits = System.Threading.Channels.Channel.CreateUnbounded<TurnCommit>();
        // One lane: a turn running on another conversation holds it, so the newer turn below waits queued, not started.
        await using var live = StartLive(connectionString, $"live-b-{run}", commits, new RecordingTransport(Channel), new BotFactory().Time.GetUtcNow(), lanes: 1);
        await using var dead = OpenDead(connectionString, $"dead-a-{run}", live.Factory.Time.GetUtcNow());
        try
        {
            // The dead instance accepted four turns of two conversations; m1's reply reached the channel before it died.
            await dead.BeatAsync();
            var m1 = await dead.AcceptAsync("m1", "conv-1", "where is my order?");
            await dead.AcceptAsync("m2", "conv-1", "how do I reset my password");
            await dead.AcceptAsync("m3", "conv-1", "what is your return policy");
            await dead.AcceptAsync("n1", "conv-2", "where is my order?");
            await dead.Inbox.MarkRepliedAsync(m1, 0, "reply-of-m1-before-the-kill", CancellationToken.None);

            // On the live instance: a turn of another conversation runs and waits for its turn lock; conv-1's newer m4 is queued behind it.
            await using (var holder = await HeldTurnLock.TakeAsync(connectionString, Channel, "conv-other"))
            {
                await live.PostAsync(QueuedMessages.Message(Channel, "x1", "conv-other", "where is my order?"));
                await holder.WaitForWaiterAsync();
                await live.PostAsync(QueuedMessages.Message(Channel, "m4", "conv-1", "do you sell gift cards"));

                // Not before the lease ran out: the checks on the timer and one more take nothing.
                live.Factory.Time.Advance(Lease - TimeSpan.FromSeconds(1));
                Assert.Equal(0, await live.Takeover.CheckAsync(CancellationToken.None));
                Assert.Equal(["m1", "m2", "m3", "n1"], await dead.PendingAsync());

                // The lease ran out: the next check on the timer takes the four items.
                live.Factory.Time.Advance(Tick + TimeSpan.FromSeconds(1));
                await live.Takeover.WhenTakenOverAsync(4, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
                Assert.Empty(await dead.PendingAsync());
            }

            var ran = (await CommitsAsync(commits, 6)).Select(c => InboundOf(c).Id).ToList();
            Assert.Equal(["x1", "m1", "m2", "m3", "n1", "m4"], ran);
            var sent = live.Transport.Sent.Select(a => a.ReplyToId).ToList();
            Assert.Equal(["x1", "m2", "m3", "n1", "m4"], sent); // m1's reply was not sent again; every other turn answered once

            // Each once: later checks find nothing, nothing is pending anywhere, and conv-1's transcript holds each turn once.
            live.Factory.Time.Advance(Tick);
            Assert.Equal(0, await live.Takeover.CheckAsync(CancellationToken.None));
            await live.Factory.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None);
            Assert.False(AnotherTurnCommitted(commits));
            Assert.Equal(4, live.Takeover.TakenOver);
            Assert.Empty(await live.Factory.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None));
            var transcript = await live.Factory.Services.GetRequiredService<ITranscriptStore>().ReadAsync(Channel, "conv-1", CancellationToken.None);
            Assert.Equal([("m1", RoleTypes.User), ("m1", RoleTypes.Bot), ("m2", RoleTypes.User), ("m2", RoleTypes.Bot), ("m3", RoleTypes.User), ("m3", RoleTypes.Bot), ("m4", RoleTypes.User), ("m4", RoleTypes.Bot)],
                transcript.Select(a => (a.From?.Role == RoleTypes.Bot ? a.ReplyToId : a.Id, a.From?.Role)));
            Assert.Equal("reply-of-m1-before-the-kill", transcript[1].Id);
        }
        finally
        {
            PostgresTestDatabase.DropSchema(schema);
        }
    }

    [Fact]
    public async Task TurnsAnInstanceStillHeldInMemoryWhenCutOffPastItsLeaseRunOnceOnTheInstanceThatTookThemOverAndNeverAgainOnIt()
    {
        var (schema, connectionString) = PostgresTestDatabase.CreateSchema();
        var run = Guid.NewGuid().ToString("N")[..8];
        var commits = System.Threading.Channels.Channel.CreateUnbounded<TurnCommit>();
        var start = new BotFactory().Time.GetUtcNow();
        // A has one lane: while x1 waits for its conversation's lock, y1 waits in A's memory.
        await using var a = StartLive(connectionString, $"live-a-{run}", commits, new RecordingTransport(Channel), start, lanes: 1);
        await using var b = StartLive(connectionString, $"live-b-{run}", commits, new RecordingTransport(Channel), start);
        try
        {
            await using (var holder = await HeldTurnLock.TakeAsync(connectionString, Channel, "conv-other"))
            {
                await a.PostAsync(QueuedMessages.Message(Channel, "x1", "conv-other", "where is my order?"));
                await holder.WaitForWaiterAsync();
                await a.PostAsync(QueuedMessages.Message(Channel, "y1", "conv-1", "how do I reset my password"));

                // A is cut off: its clock, and so its heartbeat, stands still while B's passes A's lease; B takes both items.
                b.Factory.Time.Advance(Lease + Tick);
                await b.Takeover.WhenTakenOverAsync(2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            }

            // A's lane gets conv-other's lock back first and then runs y1: both are B's now, so A runs neither.
            var ran = await CommitsAsync(commits, 2);
            await Task.WhenAll(a.Factory.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None),
                b.Factory.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None));
            Assert.False(AnotherTurnCommitted(commits));
            Assert.Equal(["x1", "y1"], ran.Select(c => InboundOf(c).Id).Order(StringComparer.Ordinal));
            Assert.Empty(a.Transport.Sent);
            Assert.Equal(["x1", "y1"], b.Transport.Sent.Select(r => r.ReplyToId).Order(StringComparer.Ordinal));
            var transcript = await b.Factory.Services.GetRequiredService<ITranscriptStore>().ReadAsync(Channel, "conv-1", CancellationToken.None);
            Assert.Equal([("y1", RoleTypes.User), ("y1", RoleTypes.Bot)], transcript.Select(r => (r.From?.Role == RoleTypes.Bot ? r.ReplyToId : r.Id, r.From?.Role)));
        }
        finally
        {
            PostgresTestDatabase.DropSchema(schema);
        }
    }

    [Fact]
    public async Task TwoLiveInstancesRacingForADeadInstancesTurnsRunEachOnceAndEachConversationInOrder()
    {
        var (schema, connectionString) = PostgresTestDatabase.CreateSchema();
        var run = Guid.NewGuid().ToString("N")[..8];
        var commits = System.Threading.Channels.Channel.CreateUnbounded<TurnCommit>();
        var transport = new RecordingTransport(Channel); // the channel reaches both instances
        var start = new BotFactory().Time.GetUtcNow();
        await using var b = StartLive(connectionString, $"live-b-{run}", commits, transport, start);
        await using var c = StartLive(connectionString, $"live-c-{run}", commits, transport, start);
        await using var dead = OpenDead(connectionString, $"dead-a-{run}", start);
        try
        {
            await dead.BeatAsync();
            string[] questions = ["where is my order?", "how do I reset my password", "what is your return policy", "do you sell gift cards"];
            var expected = new List<string>();
            for (var conversation = 0; conversation < 6; conversation++)
            {
                for (var turn = 0; turn < questions.Length; turn++)
                {
                    var id = $"t{conversation}-{turn}";
                    var item = await dead.AcceptAsync(id, $"conv-{conversation}", questions[turn]);
                    if (turn == 0 && conversation % 2 == 0)
                    {
                        await dead.Inbox.MarkRepliedAsync(item, 0, $"reply-of-{id}", CancellationToken.None);
                    }
                    else
                    {
                        expected.Add(id);
                    }
                }
            }

            // Both live instances beat just before the dead one's lease ends (in one jump past it, a live instance's beat
            // races the other's check, which may then find it dead too); then both clocks pass the lease: both
            // instances' timers check at once, and each is asked once more directly.
            b.Factory.Time.Advance(Lease - TimeSpan.FromSeconds(1));
            c.Factory.Time.Advance(Lease - TimeSpan.FromSeconds(1));
            await Task.WhenAll(b.Factory.Services.GetRequiredService<IInstanceHeartbeat>().BeatAsync(CancellationToken.None),
                c.Factory.Services.GetRequiredService<IInstanceHeartbeat>().BeatAsync(CancellationToken.None));
            b.Factory.Time.Advance(Tick + TimeSpan.FromSeconds(1));
            c.Factory.Time.Advance(Tick + TimeSpan.FromSeconds(1));
            await Task.WhenAll(b.Takeover.CheckAsync(CancellationToken.None), c.Takeover.CheckAsync(CancellationToken.None));

            var ran = await CommitsAsync(commits, 24);
            await Task.WhenAll(b.Factory.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None),
                c.Factory.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None));
            Assert.False(AnotherTurnCommitted(commits)); // no turn ran twice
            Assert.Equal(24, b.Takeover.TakenOver + c.Takeover.TakenOver); // no item was taken by both
            var inbound = ran.Select(InboundOf).ToList();
            Assert.Equal(24, inbound.Select(a => a.Id).Distinct().Count());
            foreach (var conversation in inbound.GroupBy(a => a.Conversation!.Id))
            {
                Assert.Equal(conversation.Select(a => a.Id).Order(StringComparer.Ordinal), conversation.Select(a => a.Id));
            }
            Assert.Equal(expected.Order(StringComparer.Ordinal), transport.Sent.Select(a => a.ReplyToId).Order(StringComparer.Ordinal));
            Assert.Empty(await dead.PendingAsync());
            Assert.Empty(await b.Factory.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None));
            Assert.Empty(await c.Factory.Services.GetRequiredService<IInboxStore>().ReadPendingAsync(CancellationToken.None));
        }
        finally
        {
            PostgresTestDatabase.DropSchema(schema);
        }
    }
}
