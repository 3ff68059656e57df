using System.Threading.Channels;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Storage.Postgres;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Handoff;

/// <summary>
/// Two instances on one PostgreSQL schema, fake time on each: what a customer does on instance A reaches the console
/// feed of instance B (what B's <c>/agent/api/events</c> connections stream) through the NOTIFY the commit sends, with
/// no clock moved; a notification lost while B's listener is away is caught up right after it reconnects or at B's
/// safety-net read (<c>Handoff:EventCatchUpInterval</c>), once and in sequence order; and while nothing is committed
/// B's feed reads nothing between those reads.
/// </summary>
public sealed class PostgresConsoleFeedInstancesTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ACustomerMessageTakenByInstanceAReachesTheConsoleFeedOfInstanceBWithoutAnyClockMoving()
    {
        await using var scene = await WithAgentAndBsFeedAsync();
        var a = scene.Deployment.A;

        await a.PostAsync(a.CustomerMessage("where is my parcel"));

        var heard = await scene.Feed.NextEventsAsync(1);
        Assert.Equal(("where is my parcel", HandoffMessageKind.FromCustomer), (heard[0].Message?.Text, heard[0].Message?.Kind));
    }

    [Fact]
    public async Task EventsCommittedWhileInstanceBsListenerIsAwayReachItsFeedRightAfterItReconnectsOnceAndInOrder()
    {
        await using var scene = await WithAgentAndBsFeedAsync();
        var (a, b, feed) = (scene.Deployment.A, scene.Deployment.B, scene.Feed);
        var lost = await CommitWhileBIsNotListeningAsync(scene.Deployment, "first", "second");

        await b.AdvanceAsync(PostgresChangeListener.FirstRetry); // the listener reconnects and the feed catches up
        await a.PostAsync(a.CustomerMessage("third")); // heard live again, by NOTIFY

        var heard = await feed.NextEventsAsync(3);
        Assert.Equal(["first", "second", "third"], heard.Select(e => e.Message?.Text));
        Assert.Equal(lost, heard[1].Sequence);
        Assert.True(heard[0].Sequence < heard[1].Sequence && heard[1].Sequence < heard[2].Sequence);
        Assert.Empty(feed.EventsReady()); // nothing twice
    }

    [Fact]
    public async Task EventsWhoseNotificationWasLostReachInstanceBsFeedAtItsSafetyNetReadBeforeTheListenerIsBack()
    {
        var interval = TimeSpan.FromSeconds(1); // shorter than the listener's first retry (1.5 s): the timer alone brings them
        await using var scene = await WithAgentAndBsFeedAsync(f => f.With("Handoff:EventCatchUpInterval", "00:00:01"));
        var (b, feed) = (scene.Deployment.B, scene.Feed);
        var lost = await CommitWhileBIsNotListeningAsync(scene.Deployment, "first", "second");

        await b.AdvanceAsync(interval);

        var heard = await feed.NextEventsAsync(2);
        Assert.Equal(["first", "second"], heard.Select(e => e.Message?.Text));
        Assert.Equal(lost, heard[1].Sequence);
        await b.AdvanceAsync(interval); // the next safety-net read finds nothing new
        Assert.Empty(feed.EventsReady());
    }

    [Fact]
    public async Task WhileNothingIsCommittedInstanceBsFeedReadsTheEventLogOnlyAtItsSafetyNetInterval()
    {
        var reads = new CountingEventLog();
        await using var deployment = await PostgresRoutingOwnerTests.StartTwoAsync(f => f.WithServices(services =>
            services.AddSingleton<IHandoffEventLog>(sp => reads.Over(sp.GetRequiredService<PostgresHandoffEventLog>()))));
        var b = deployment.B;
        var interval = new HandoffOptions().EventCatchUpInterval;
        await reads.AtLeastAsync(1).WaitAsync(Wait); // the read right after B's listener connected
        var before = reads.Count;

        for (var moved = TimeSpan.Zero; moved < interval - TimeSpan.FromSeconds(1); moved += TimeSpan.FromSeconds(1))
        {
            await b.AdvanceAsync(TimeSpan.FromSeconds(1));
        }
        await b.AdvanceAsync(TimeSpan.FromMilliseconds(900));
        Assert.Equal(before, reads.Count); // 4.9 s idle: no read (the poll this replaced read ten times)

        await b.AdvanceAsync(TimeSpan.FromMilliseconds(100));
        await reads.AtLeastAsync(before + 1).WaitAsync(Wait);
        await b.AdvanceAsync(interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(before + 1, reads.Count); // one read per interval
    }

    private sealed record Scene(PostgresRoutingOwnerTests.Deployment Deployment, FeedReader Feed) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Feed.DisposeAsync();
            await Deployment.DisposeAsync();
        }
    }

    /// <summary>Two instances, a handoff through A offered and accepted (with the agent), and B's feed read from then on.</summary>
    private static async Task<Scene> WithAgentAndBsFeedAsync(Action<Support.BotFactory>? configureB = null)
    {
        var deployment = await PostgresRoutingOwnerTests.StartTwoAsync(configureB);
        var a = deployment.A;
        await a.PostAsync(a.CustomerMessage("let me talk to a person"));
        var agent = await a.OfferedToAsync();
        await a.PostAsync(a.AgentMessage("accept", agent, agent));
        await a.CustomerReceivedAsync("You're now chatting with");
        await a.TurnsCommittedAsync();
        var latest = await deployment.B.Service<IHandoffEventLog>().LatestSequenceAsync(CancellationToken.None);
        return new Scene(deployment, FeedReader.Start(deployment.B.Service<HandoffEventFeed>(), latest));
    }

    /// <summary>
    /// Ends B's listening session, waits until B noticed (its reconnect delay started), commits one customer message per
    /// text through A, and checks B's feed has not published them; returns the last one's sequence.
    /// </summary>
    private static async Task<long> CommitWhileBIsNotListeningAsync(PostgresRoutingOwnerTests.Deployment deployment, params string[] texts)
    {
        var (a, b) = (deployment.A, deployment.B);
        await PostgresTestDatabase.TerminateSessionAsync(PostgresChangeListener.ApplicationNameOf($"bot-b-{deployment.Run}"));
        await b.Factory.Time.WaitForTimerAsync(PostgresChangeListener.FirstRetry).WaitAsync(Wait);
        foreach (var text in texts)
        {
            await a.PostAsync(a.CustomerMessage(text));
            await a.TurnsCommittedAsync();
        }
        var last = await a.Service<IHandoffEventLog>().LatestSequenceAsync(CancellationToken.None);
        Assert.False(b.Service<HandoffEventFeed>().HasPublished(last)); // lost: B was not listening and no clock moved
        return last;
    }

    /// <summary>B's feed from a sequence on, its events collected in the background (typing left out).</summary>
    private sealed class FeedReader : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Channel<HandoffEvent> _events = Channel.CreateUnbounded<HandoffEvent>();
        private Task _reading = Task.CompletedTask;

        public static FeedReader Start(HandoffEventFeed feed, long after)
        {
            var reader = new FeedReader();
            reader._reading = reader.ReadAsync(feed, after);
            return reader;
        }

        private async Task ReadAsync(HandoffEventFeed feed, long after)
        {
            try
            {
                await foreach (var item in feed.SubscribeAsync(after, _stop.Token))
                {
                    if (item.Event is { } next)
                    {
                        await _events.Writer.WriteAsync(next, _stop.Token);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }

        /// <summary>The next <paramref name="count"/> message events (transitions the accept still sends are passed over).</summary>
        public async Task<List<HandoffEvent>> NextEventsAsync(int count)
        {
            using var timeout = new CancellationTokenSource(Wait);
            var found = new List<HandoffEvent>();
            while (found.Count < count)
            {
                var next = await _events.Reader.ReadAsync(timeout.Token);
                if (next.Message is not null)
                {
                    found.Add(next);
                }
            }
            return found;
        }

        /// <summary>What the feed delivered and the test has not read.</summary>
        public List<HandoffEvent> EventsReady()
        {
            var ready = new List<HandoffEvent>();
            while (_events.Reader.TryRead(out var next))
            {
                ready.Add(next);
            }
            return ready;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reading;
            _stop.Dispose();
        }
    }

    /// <summary>The seam that counts the feed's reads of the event log (<see cref="IHandoffEventLog.ReadAfterAsync"/>).</summary>
    private sealed class CountingEventLog
    {
        private readonly Lock _gate = new();
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
        private int _count;

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _count;
                }
            }
        }

        public IHandoffEventLog Over(IHandoffEventLog inner) => new Counted(inner, this);

        public Task AtLeastAsync(int count)
        {
            lock (_gate)
            {
                if (_count >= count)
                {
                    return Task.CompletedTask;
                }
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, reached));
                return reached.Task;
            }
        }

        private void Add()
        {
            lock (_gate)
            {
                _count++;
                foreach (var waiter in _waiters.Where(w => w.Count <= _count).ToList())
                {
                    _waiters.Remove(waiter);
                    waiter.Reached.SetResult();
                }
            }
        }

        private sealed class Counted(IHandoffEventLog inner, CountingEventLog counter) : IHandoffEventLog
        {
            public Task<IReadOnlyList<HandoffEvent>> ReadAfterAsync(long afterSequence, int max, CancellationToken cancellationToken)
            {
                counter.Add();
                return inner.ReadAfterAsync(afterSequence, max, cancellationToken);
            }

            public Task<IReadOnlyList<HandoffEvent>> ReadHandoffAsync(string handoffId, CancellationToken cancellationToken) => inner.ReadHandoffAsync(handoffId, cancellationToken);

            public Task<long> LatestSequenceAsync(CancellationToken cancellationToken) => inner.LatestSequenceAsync(cancellationToken);
        }
    }
}
