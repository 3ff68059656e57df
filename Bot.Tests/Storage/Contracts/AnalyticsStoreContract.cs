using HandoffBot.Analytics;
using HandoffBot.Handoff;
using HandoffBot.Tests.Analytics;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// The analytics over a seeded day with known answers, written through the real store paths. The day: eight
/// conversations, two of them contained; six handoffs: answered (CSAT 4), cancelled while waiting, transferred once
/// (no CSAT), a reopen of the same customer (its offer expired first, CSAT 2), one no agent took (CSAT 5, assistant
/// only), and one still waiting that reopens a handoff of the day before. Around it, a conversation and handoff the
/// day before and one the day after, which must not count. Every provider's <see cref="IAnalyticsStore"/> (and its fact
/// writers) must give these figures.
/// </summary>
public abstract class AnalyticsStoreContract : IAsyncLifetime
{
    private static readonly TimeSpan Nine = TimeSpan.FromHours(9);
    private AnalyticsSeed? _created;

    private AnalyticsSeed Seed => _created ?? throw new InvalidOperationException("The seed is created in InitializeAsync.");

    /// <summary>A new, empty database of the provider under test with the analytics' schemas and writers.</summary>
    private protected abstract Task<AnalyticsSeed> CreateSeedAsync();

    private static DateTimeOffset T(double seconds, double hours = 0) => AnalyticsSeed.At(Nine + TimeSpan.FromHours(hours) + TimeSpan.FromSeconds(seconds));

    public async Task InitializeAsync()
    {
        _created = await CreateSeedAsync();
        // The day before: u8 asks for a person; the day after: someone else does.
        await Seed.MessageAsync("c8", T(0, -10));
        await Seed.OpenAsync("h8", "c8", "u8", T(5, -10), "general", "human_request", "billing");
        await Seed.MessageAsync("c9", T(0, 20));
        await Seed.OpenAsync("h9-next-day", "c9", "u9", T(5, 20), "general", "human_request", "billing");

        // c1: three messages, then answered: offered after 10 s, accepted 30 s later (waited 40 s), ended after 300 s, CSAT 4.
        await Seed.MessageAsync("c1", T(0));
        await Seed.MessageAsync("c1", T(30));
        await Seed.MessageAsync("c1", T(60));
        await Seed.OpenAsync("h1", "c1", "u1", T(60), "billing", "human_request", "billing");
        await Seed.MoveAsync("h1", h => h.Offer("alex", T(70), "best match"));
        await Seed.MoveAsync("h1", h => h.Accept("alex", "Alex", T(100)), "agent");
        var h1 = await Seed.MoveAsync("h1", h => h.End(T(400), "done"), "agent");
        await Seed.RateAsync(h1, 4, T(410));

        // c2: cancelled while waiting (offered, then the customer gave up).
        await Seed.MessageAsync("c2", T(0, 1));
        await Seed.OpenAsync("h2", "c2", "u2", T(10, 1), "general", "negative_sentiment", "complaint");
        await Seed.MoveAsync("h2", h => h.Offer("sam", T(20, 1), "best match"));
        await Seed.MoveAsync("h2", h => h.Cancel(T(130, 1), "customer left"), "customer");

        // c3 (u3): accepted after 20 s (offer 15 s before), transferred to tech, accepted again, ended 440 s after the first accept; no CSAT.
        await Seed.MessageAsync("c3", T(-60, 2));
        await Seed.MessageAsync("c3", T(-30, 2));
        await Seed.OpenAsync("h3", "c3", "u3", T(0, 2), "general", "human_request", "technical");
        await Seed.MoveAsync("h3", h => h.Offer("alex", T(5, 2), "best match"));
        await Seed.MoveAsync("h3", h => h.Accept("alex", "Alex", T(20, 2)), "agent");
        await Seed.MoveAsync("h3", h => h.Transfer("tech", "tech", T(100, 2), "needs tech"), "agent");
        await Seed.MoveAsync("h3", h => h.Offer("priya", T(110, 2), "best match"));
        await Seed.MoveAsync("h3", h => h.Accept("priya", "Priya", T(160, 2)), "agent");
        await Seed.MoveAsync("h3", h => h.End(T(460, 2), "done"), "agent");

        // c4: u3 again an hour later (a reopen); the offer expires, then Sam takes it from the queue unoffered; CSAT 2.
        await Seed.MessageAsync("c4", T(0, 3));
        await Seed.OpenAsync("h4", "c4", "u3", T(5, 3), "billing", "human_request", "billing");
        await Seed.MoveAsync("h4", h => h.Offer("alex", T(35, 3), "best match"));
        await Seed.MoveAsync("h4", h => h.ExpireOffer(T(65, 3)));
        await Seed.MoveAsync("h4", h => h.Accept("sam", "Sam", T(125, 3)), "agent");
        var h4 = await Seed.MoveAsync("h4", h => h.End(T(185, 3), "done"), "agent");
        await Seed.RateAsync(h4, 2, T(190, 3));

        // c5, c6: the assistant alone.
        await Seed.MessageAsync("c5", T(0, 4));
        await Seed.MessageAsync("c6", T(0, 4.5));

        // c7: nobody qualified (straight to unassigned, no packet); the customer still rated the assistant 5.
        await Seed.MessageAsync("c7", T(-20, 5));
        var h7 = await Seed.OpenAsync("h7", "c7", "u7", T(0, 5), "general", trigger: null, category: null, unassigned: true);
        await Seed.RateAsync(h7, 5, T(30, 5));

        // c10: u8 again, within 7 days of yesterday's handoff; still waiting.
        await Seed.MessageAsync("c10", T(-30, 6));
        await Seed.OpenAsync("h10", "c10", "u8", T(0, 6), "general", "negative_sentiment", "technical");

        await Seed.CopilotAsync("h1", "copilot.used", T(150));
        await Seed.CopilotAsync("h3", "copilot.used", T(50, 2));
        await Seed.CopilotAsync("h3", "copilot.dismissed", T(60, 2));
        await Seed.CopilotAsync("h9-next-day", "copilot.used", T(60, 20));
    }

    public async Task DisposeAsync()
    {
        if (_created is not null)
        {
            await _created.DisposeAsync();
        }
    }

    private Task<AnalyticsSummary> DayAsync() => Seed.Analytics.SummarizeAsync(AnalyticsSeed.Day, AnalyticsSeed.Day.AddDays(1), CancellationToken.None);

    [Fact]
    public async Task ReachCountsTheDaysConversationsAndHandoffsOnly()
    {
        var day = await DayAsync();
        Assert.Equal(8, day.Conversations);
        Assert.Equal(6, day.Handoffs);
        Assert.Equal(0.75, day.HandoffRate);
        Assert.Equal(0.25, day.ContainmentRate);
        Assert.Equal(2, day.Contained);
        Assert.Equal([("human_request", 0.375, 0L), ("negative_sentiment", 0.25, 1L), ("none", 0.125, 0L)], day.ByTrigger.Select(b => (b.Key, b.Rate, b.Abandoned)));
    }

    [Fact]
    public async Task HandoffsAreCountedByTriggerCategoryAndTheQueueTheyOpenedIn()
    {
        var day = await DayAsync();
        Assert.Equal([("human_request", 3L), ("negative_sentiment", 2L), ("none", 1L)], day.ByTrigger.Select(b => (b.Key, b.Handoffs)));
        Assert.Equal([("billing", 2L), ("technical", 2L), ("complaint", 1L), ("none", 1L)], day.ByCategory.Select(b => (b.Key, b.Handoffs)));
        Assert.Equal([("general", 4L), ("billing", 2L)], day.ByQueue.Select(b => (b.Key, b.Handoffs)));
        Assert.Equal(1, day.ByCategory.Single(b => b.Key == "complaint").Abandoned);
    }

    [Fact]
    public async Task ACancelWhileWaitingIsAbandonedAndAGiveUpIsUnassigned()
    {
        var day = await DayAsync();
        Assert.Equal(1, day.Abandoned);
        Assert.Equal(1, day.Unassigned);
        Assert.Equal(3, day.Accepted);
    }

    [Fact]
    public async Task WaitIsOpenToFirstAcceptAndAcceptIsOfferToAccept()
    {
        var day = await DayAsync();
        // Waits 40 (h1), 20 (h3, its second accept after the transfer does not count), 120 (h4).
        Assert.Equal(new Percentiles(40, 120, 3), day.WaitSeconds);
        // Offer to accept: 30 (h1), 15 (h3); h4 was accepted after its offer had expired, so it has none.
        Assert.Equal(new Percentiles(15, 30, 2), day.AcceptSeconds);
        // First accept to end: 300, 440 (through the transfer), 60.
        Assert.Equal(new Percentiles(300, 440, 3), day.HandleSeconds);
    }

    [Fact]
    public async Task TimeToEscalateCountsTheCustomersMessagesAndSecondsSinceTheFirst()
    {
        var day = await DayAsync();
        // Messages before each handoff: 3, 1, 2, 1, 1, 1; seconds since the first: 60, 10, 60, 5, 20, 30.
        Assert.Equal(1.5, day.TimeToEscalate.TurnsAverage);
        Assert.Equal(new Percentiles(1, 3, 6), day.TimeToEscalate.Turns);
        Assert.Equal(new Percentiles(20, 60, 6), day.TimeToEscalate.Seconds);
    }

    [Fact]
    public async Task ATransferAndReopensWithinSevenDaysAreCounted()
    {
        var day = await DayAsync();
        Assert.Equal(1, day.Transfers);
        Assert.Equal(1, day.TransferredHandoffs);
        // h4 (u3, an hour after h3) and h10 (u8, the day after h8); h8 itself was not in the day.
        Assert.Equal(2, day.Reopened);
        Assert.Equal(0.3333, day.ReopenRate);
    }

    [Fact]
    public async Task CsatIsSplitByWhetherAPersonHandledTheHandoffAndAHandoffWithoutAScoreCountsInNeither()
    {
        var day = await DayAsync();
        Assert.Equal(new CsatFigures(3, 5, 2, 1), day.Csat);
    }

    [Fact]
    public async Task CopilotUseCountsUsedAndDismissedSuggestionsOfThePeriod()
    {
        var day = await DayAsync();
        Assert.Equal(new CopilotUse(2, 1, 0.6667), day.Copilot);
    }

    [Fact]
    public async Task APeriodWithNothingInItHasNoRatesAndNoPercentiles()
    {
        var empty = await Seed.Analytics.SummarizeAsync(AnalyticsSeed.Day.AddDays(-30), AnalyticsSeed.Day.AddDays(-20), CancellationToken.None);
        Assert.Equal(0, empty.Conversations);
        Assert.Null(empty.HandoffRate);
        Assert.Null(empty.ContainmentRate);
        Assert.Equal(new Percentiles(null, null, 0), empty.WaitSeconds);
        Assert.Equal(new CsatFigures(null, null, 0, 0), empty.Csat);
        Assert.Equal(new CopilotUse(0, 0, null), empty.Copilot);
    }

    [Fact]
    public async Task APeriodStartsInclusiveAndEndsExclusive()
    {
        // From h1's opening instant up to (not including) h2's: h1 only; c1's messages began 60 s earlier.
        var slice = await Seed.Analytics.SummarizeAsync(T(60), T(10, 1), CancellationToken.None);
        Assert.Equal([("billing", 1L)], slice.ByQueue.Select(b => (b.Key, b.Handoffs)));
        Assert.Equal(1, slice.Handoffs);
        Assert.Equal(1, slice.Conversations); // c2 started at 10:00:00, inside; c1 at 09:00:00, before
    }

    /// <summary>Handoffs opened on <paramref name="day"/> (days after the seeded one), one each, accepted after the given waits (seconds).</summary>
    private async Task AcceptedAfterAsync(int day, params double[] waits)
    {
        for (var i = 0; i < waits.Length; i++)
        {
            var opened = AnalyticsSeed.At(TimeSpan.FromDays(day) + Nine + TimeSpan.FromMinutes(10 * i));
            var (conversation, id) = ($"p{day}-{i}", $"hp{day}-{i}");
            await Seed.MessageAsync(conversation, opened);
            await Seed.OpenAsync(id, conversation, $"up{day}-{i}", opened, "general", "human_request", "billing");
            await Seed.MoveAsync(id, h => h.Offer("alex", opened + TimeSpan.FromSeconds(0.5), "best match"));
            await Seed.MoveAsync(id, h => h.Accept("alex", "Alex", opened + TimeSpan.FromSeconds(waits[i])), "agent");
        }
    }

    [Fact]
    public async Task PercentilesAreNearestRankNeverInterpolatedAndKeepTheMillisecond()
    {
        // Ten waits given out of order, each 0.1234567 s past a whole second (kept to the microsecond, shown to the millisecond).
        await AcceptedAfterAsync(2, [.. Enumerable.Range(1, 10).Reverse().Select(i => i + 0.1234567)]);
        // Seven whole waits: ranks ceil(3.5) = 4 and ceil(6.3) = 7.
        await AcceptedAfterAsync(3, 3, 1, 7, 2, 6, 4, 5);

        var ten = await Seed.Analytics.SummarizeAsync(AnalyticsSeed.Day.AddDays(2), AnalyticsSeed.Day.AddDays(3), CancellationToken.None);
        Assert.Equal(new Percentiles(5.123, 9.123, 10), ten.WaitSeconds); // interpolated (percentile_cont) would be 5.623 and 9.223
        Assert.Equal(new Percentiles(4.623, 8.623, 10), ten.AcceptSeconds);
        var seven = await Seed.Analytics.SummarizeAsync(AnalyticsSeed.Day.AddDays(3), AnalyticsSeed.Day.AddDays(4), CancellationToken.None);
        Assert.Equal(new Percentiles(4, 7, 7), seven.WaitSeconds);
        Assert.Equal(new Percentiles(1, 1, 7), seven.TimeToEscalate.Turns);
        Assert.Equal(1, seven.TimeToEscalate.TurnsAverage);
    }
}

public sealed class SqliteAnalyticsStoreTests : AnalyticsStoreContract
{
    private protected override Task<AnalyticsSeed> CreateSeedAsync() => Task.FromResult(AnalyticsSeed.OnSqlite());
}

public sealed class PostgresAnalyticsStoreTests : AnalyticsStoreContract
{
    private protected override Task<AnalyticsSeed> CreateSeedAsync() => AnalyticsSeed.OnPostgresAsync();

    /// <summary>
    /// The definition both providers share: PostgreSQL's <c>percentile_disc</c> picks the value at the rank
    /// <see cref="Distribution.Rank"/> gives (ceil(p * n) in double) for every sample size up to 500, so SQLite's
    /// <see cref="Distribution.Of"/> and PostgreSQL's query agree on any data, not only the seeded day.
    /// </summary>
    [Fact]
    public async Task PercentileDiscPicksTheSameRankAsTheSharedDefinitionForEverySampleSizeUpTo500()
    {
        var test = await PostgresTestDatabase.CreateAsync(TimeProvider.System);
        await using var owned = test;
        var ranks = await test.Database.ReadAsync(async session =>
        {
            await using var command = session.Command("""
                SELECT n, percentile_disc(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY v)
                FROM generate_series(1, 500) n, LATERAL generate_series(1::bigint, n) v GROUP BY n ORDER BY n
                """);
            await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
            var read = new List<(int, long, long)>();
            while (await reader.ReadAsync(CancellationToken.None))
            {
                var picked = reader.GetFieldValue<long[]>(1);
                read.Add((reader.GetInt32(0), picked[0], picked[1]));
            }
            return read;
        }, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 500).Select(n => (n, (long)Distribution.Rank(0.5, n), (long)Distribution.Rank(0.9, n))), ranks);
    }
}
