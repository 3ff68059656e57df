namespace HandoffBot.Analytics;

/// <summary>
/// Computes <see cref="AnalyticsSummary"/> for a period from the stored facts (<see cref="IAnalyticsStore"/>): one
/// read of the period's handoff facts, then every figure in one pass. Definitions: docs/analytics.md.
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

    /// <summary>The figures of a period from its facts (pure: the tests' known answers run through here too).</summary>
    public static AnalyticsSummary Summarize(DateTimeOffset from, DateTimeOffset to, ConversationCounts conversations, IReadOnlyList<HandoffFact> handoffs, CopilotCounts copilot)
    {
        var wait = new List<double>(handoffs.Count);
        var accept = new List<double>(handoffs.Count);
        var handle = new List<double>();
        var turns = new List<double>(handoffs.Count);
        var escalate = new List<double>(handoffs.Count);
        var byTrigger = new Dictionary<string, (long Count, long Abandoned)>(StringComparer.Ordinal);
        var byCategory = new Dictionary<string, (long Count, long Abandoned)>(StringComparer.Ordinal);
        var byQueue = new Dictionary<string, (long Count, long Abandoned)>(StringComparer.Ordinal);
        long abandoned = 0, unassigned = 0, accepted = 0, transfers = 0, transferred = 0, reopened = 0;
        long humanScores = 0, humanTotal = 0, botScores = 0, botTotal = 0;
        foreach (var fact in handoffs)
        {
            var isAbandoned = fact.Outcome == HandoffOutcome.Cancelled;
            abandoned += isAbandoned ? 1 : 0;
            unassigned += fact.Outcome == HandoffOutcome.Unassigned ? 1 : 0;
            accepted += fact.HadAgent ? 1 : 0;
            transfers += fact.Transfers;
            transferred += fact.Transfers > 0 ? 1 : 0;
            reopened += fact.Reopen ? 1 : 0;
            Count(byTrigger, fact.Trigger, isAbandoned);
            Count(byCategory, fact.Category, isAbandoned);
            Count(byQueue, fact.Queue, isAbandoned);
            Add(wait, fact.Wait);
            Add(accept, fact.Accept);
            Add(handle, fact.Handle);
            Add(escalate, fact.TimeToEscalate);
            if (fact.EscalateTurns is { } n)
            {
                turns.Add(n);
            }
            if (fact.Csat is { } score)
            {
                if (fact.HadAgent)
                {
                    (humanScores, humanTotal) = (humanScores + 1, humanTotal + score);
                }
                else
                {
                    (botScores, botTotal) = (botScores + 1, botTotal + score);
                }
            }
        }
        var total = conversations.Conversations;
        double? Rate(long count) => total == 0 ? null : Math.Round((double)count / total, 4);
        IReadOnlyList<Breakdown> Rows(Dictionary<string, (long Count, long Abandoned)> groups) =>
            [.. groups.OrderByDescending(g => g.Value.Count).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new Breakdown(g.Key, g.Value.Count, Rate(g.Value.Count) ?? 0, g.Value.Abandoned))];
        var used = copilot.Used + copilot.Dismissed;
        return new AnalyticsSummary(
            from, to, total, handoffs.Count,
            Rate(conversations.Escalated),
            Rate(total - conversations.Escalated),
            total - conversations.Escalated,
            abandoned, unassigned, accepted,
            Rows(byTrigger), Rows(byCategory), Rows(byQueue),
            new EscalationTiming(turns.Count == 0 ? null : Math.Round(turns.Average(), 2), Percentile(turns), Percentile(escalate)),
            Percentile(wait), Percentile(accept), Percentile(handle),
            transfers, transferred, reopened,
            handoffs.Count == 0 ? null : Math.Round((double)reopened / handoffs.Count, 4),
            new CsatFigures(Average(humanTotal, humanScores), Average(botTotal, botScores), humanScores, botScores),
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

    private static void Add(List<double> values, TimeSpan? value)
    {
        if (value is { } v)
        {
            values.Add(v.TotalSeconds);
        }
    }

    private static void Count(Dictionary<string, (long Count, long Abandoned)> groups, string key, bool abandoned)
    {
        groups.TryGetValue(key, out var current);
        groups[key] = (current.Count + 1, current.Abandoned + (abandoned ? 1 : 0));
    }

    private static double? Average(long total, long count) => count == 0 ? null : Math.Round((double)total / count, 2);
}
