namespace HandoffBot.Analytics;

/// <summary>
/// Computes <see cref="AnalyticsSummary"/> for a period from the stored facts (<see cref="IAnalyticsStore"/>): the
/// store adds up the period's handoff facts where they are kept (counts by trigger, category and queue; the durations
/// for the percentiles), and this turns them into the figures. Definitions: docs/analytics.md.
/// </summary>
public sealed class HandoffAnalytics(IAnalyticsStore store, Microsoft.Extensions.Options.IOptions<HandoffBot.Storage.StorageOptions> storage)
{
    /// <summary>The facts are written by the SQLite provider only so far; on PostgreSQL there are none to add up.</summary>
    public bool IsAvailable => !storage.Value.UsesPostgres;

    /// <summary>The longest period one request may ask for.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    public async Task<AnalyticsSummary> SummarizeAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (to <= from || to - from > MaxPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(to), "The period must end after it starts and span at most 366 days.");
        }
        var conversations = store.CountConversationsAsync(from, to, cancellationToken);
        var copilot = store.CountCopilotAsync(from, to, cancellationToken);
        var handoffs = await store.ReadHandoffsAsync(from, to, cancellationToken);
        return Summarize(from, to, await conversations, handoffs, await copilot);
    }

    /// <summary>The figures of a period from what its facts add up to (pure).</summary>
    public static AnalyticsSummary Summarize(DateTimeOffset from, DateTimeOffset to, ConversationCounts conversations, HandoffPeriod handoffs, CopilotCounts copilot)
    {
        var groups = handoffs.Groups;
        long Sum(Func<HandoffGroup, long> of) => groups.Sum(of);
        var total = conversations.Conversations;
        double? Rate(long count) => total == 0 ? null : Math.Round((double)count / total, 4);
        IReadOnlyList<Breakdown> By(Func<HandoffGroup, string> key) =>
            [.. groups.GroupBy(key, StringComparer.Ordinal)
                .Select(g => (Key: g.Key, Count: g.Sum(x => x.Handoffs), Abandoned: g.Sum(x => x.Abandoned)))
                .OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new Breakdown(g.Key, g.Count, Rate(g.Count) ?? 0, g.Abandoned))];
        var count = Sum(g => g.Handoffs);
        var reopened = Sum(g => g.Reopened);
        var durations = handoffs.Durations;
        var turns = durations.EscalateTurns;
        var used = copilot.Used + copilot.Dismissed;
        return new AnalyticsSummary(
            from, to, total, count,
            Rate(conversations.Escalated),
            Rate(total - conversations.Escalated),
            total - conversations.Escalated,
            Sum(g => g.Abandoned), Sum(g => g.Unassigned), Sum(g => g.Accepted),
            By(g => g.Trigger), By(g => g.Category), By(g => g.Queue),
            new EscalationTiming(turns.Count == 0 ? null : Math.Round(turns.Average(), 2), Percentile(turns), Percentile(durations.EscalateSeconds)),
            Percentile(durations.Wait), Percentile(durations.Accept), Percentile(durations.Handle),
            Sum(g => g.Transfers), Sum(g => g.Transferred), reopened,
            count == 0 ? null : Math.Round((double)reopened / count, 4),
            new CsatFigures(Average(Sum(g => g.HumanScoreTotal), Sum(g => g.HumanScores)), Average(Sum(g => g.AssistantScoreTotal), Sum(g => g.AssistantScores)),
                Sum(g => g.HumanScores), Sum(g => g.AssistantScores)),
            new CopilotUse(copilot.Used, copilot.Dismissed, used == 0 ? null : Math.Round((double)copilot.Used / used, 4)));
    }

    /// <summary>p50 and p90 by nearest rank: the smallest value with at least that share of the values at or below it.</summary>
    public static Percentiles Percentile(List<double> values)
    {
        if (values.Count == 0)
        {
            return new Percentiles(null, null, 0);
        }
        values.Sort();
        double Rank(double p) => Math.Round(values[Math.Max(0, (int)Math.Ceiling(p * values.Count) - 1)], 3);
        return new Percentiles(Rank(0.5), Rank(0.9), values.Count);
    }

    private static double? Average(long total, long count) => count == 0 ? null : Math.Round((double)total / count, 2);
}
