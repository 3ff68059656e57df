using HandoffBot.Resources;
using HandoffBot.Routing;

namespace HandoffBot.Handoff;

/// <summary>What the customer is told about waiting and the choices they get, in their language.</summary>
public sealed class HandoffWording(ICopy copy, IRoutingEngine routing, TimeProvider time)
{
    /// <summary>The copy keys of the alternatives menu, in the order its choices are numbered.</summary>
    public static readonly IReadOnlyList<string> AlternativeKeys = ["handoff.alternative.leaveMessage", "handoff.alternative.keepChatting"];
    public static readonly IReadOnlyList<string> SatisfactionChoices = ["1", "2", "3", "4", "5"];

    /// <summary>Where a waiting handoff stands now, in words.</summary>
    public string DescribeWaitFor(string? locale, string handoffId) => DescribeWait(locale, routing.Estimate(handoffId, time.GetUtcNow()));

    /// <summary>The alternatives menu's choice labels in <paramref name="locale"/>'s language.</summary>
    public IReadOnlyList<string> AlternativesIn(string? locale) => [.. AlternativeKeys.Select(k => copy.Get(locale, k))];

    /// <summary>Honest words for a wait estimate, in <paramref name="locale"/>'s language.</summary>
    public string DescribeWait(string? locale, WaitEstimate? estimate)
    {
        if (estimate is null)
        {
            return copy.Get(locale, "handoff.wait.inQueue");
        }
        var position = estimate.Position <= 1
            ? copy.Get(locale, "handoff.wait.next")
            : copy.Get(locale, "handoff.wait.position", ("position", estimate.Position));
        return estimate.Estimate is { } wait
            ? copy.Get(locale, "handoff.wait.estimate", ("position", position), ("duration", copy.Duration(locale, wait)))
            : copy.Get(locale, "handoff.wait.noEstimate", ("position", position), ("why", Lower(estimate.Explanation.TrimEnd('.'))));
    }

    private static string Lower(string text) => text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : text;
}
