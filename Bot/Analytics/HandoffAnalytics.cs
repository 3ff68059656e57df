namespace HandoffBot.Analytics;

/// <summary>
/// Computes <see cref="AnalyticsSummary"/> for a period from the stored facts (<see cref="IAnalyticsStore"/>): the
/// store adds up the period's handoff facts where they are kept (counts by trigger, category and queue; the durations'
/// nearest-rank percentiles), on SQLite and PostgreSQL alike, and this turns them into the figures. Definitions: docs/analytics.md.
/// </summary>
public sealed class HandoffAnalytics(IAnalyticsStore store)
{
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
            new EscalationTiming(turns.Count == 0 ? null : Math.Round((double)turns.Total / turns.Count, 2), Percentile(turns, 1), Percentile(durations.EscalateSeconds, 1e6)),
            Percentile(durations.Wait, 1e6), Percentile(durations.Accept, 1e6), Percentile(durations.Handle, 1e6),
            Sum(g => g.Transfers), Sum(g => g.Transferred), reopened,
            count == 0 ? null : Math.Round((double)reopened / count, 4),
            new CsatFigures(Average(Sum(g => g.HumanScoreTotal), Sum(g => g.HumanScores)), Average(Sum(g => g.AssistantScoreTotal), Sum(g => g.AssistantScores)),
                Sum(g => g.HumanScores), Sum(g => g.AssistantScores)),
            new CopilotUse(copilot.Used, copilot.Dismissed, used == 0 ? null : Math.Round((double)copilot.Used / used, 4)));
    }

    /// <summary>p50 and p90 (nearest rank, picked by the store) in seconds or messages: the stored unit over <paramref name="perUnit"/>, to the millisecond.</summary>
    public static Percentiles Percentile(Distribution values, double perUnit)
    {
        ArgumentNullException.ThrowIfNull(values);
        double? Scale(long? value) => value is { } v ? Math.Round(v / perUnit, 3) : null;
        return new Percentiles(Scale(values.P50), Scale(values.P90), values.Count);
    }

    private static double? Average(long total, long count) => count == 0 ? null : Math.Round((double)total / count, 2);
}
