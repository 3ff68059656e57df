using System.Globalization;
using System.Text;

namespace HandoffBot.Analytics;

/// <summary>
/// The summary as CSV (RFC 4180): one <c>metric,key,value</c> line per figure, the same names as the JSON
/// (<c>waitSeconds.p50</c>, <c>byTrigger.handoffs</c> with the trigger as key). Text cells that a spreadsheet would
/// run as a formula are prefixed with an apostrophe.
/// </summary>
public static class AnalyticsCsv
{
    public static string Write(AnalyticsSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var csv = new StringBuilder("metric,key,value\r\n");
        void Line(string metric, object? value, string key = "") =>
            csv.Append(metric).Append(',').Append(Cell(key)).Append(',').Append(Format(value)).Append("\r\n");
        void Times(string name, Percentiles p)
        {
            Line(name + ".p50", p.P50);
            Line(name + ".p90", p.P90);
            Line(name + ".count", p.Count);
        }
        void Rows(string name, IReadOnlyList<Breakdown> rows)
        {
            foreach (var row in rows)
            {
                Line(name + ".handoffs", row.Handoffs, row.Key);
                Line(name + ".rate", row.Rate, row.Key);
                Line(name + ".abandoned", row.Abandoned, row.Key);
            }
        }
        Line("from", summary.From.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        Line("to", summary.To.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        Line("conversations", summary.Conversations);
        Line("handoffs", summary.Handoffs);
        Line("handoffRate", summary.HandoffRate);
        Line("containmentRate", summary.ContainmentRate);
        Line("contained", summary.Contained);
        Line("abandoned", summary.Abandoned);
        Line("unassigned", summary.Unassigned);
        Line("accepted", summary.Accepted);
        Line("timeToEscalate.turnsAverage", summary.TimeToEscalate.TurnsAverage);
        Times("timeToEscalate.turns", summary.TimeToEscalate.Turns);
        Times("timeToEscalate.seconds", summary.TimeToEscalate.Seconds);
        Times("waitSeconds", summary.WaitSeconds);
        Times("acceptSeconds", summary.AcceptSeconds);
        Times("handleSeconds", summary.HandleSeconds);
        Line("transfers", summary.Transfers);
        Line("transferredHandoffs", summary.TransferredHandoffs);
        Line("reopened", summary.Reopened);
        Line("reopenRate", summary.ReopenRate);
        Line("csat.withHuman", summary.Csat.WithHuman);
        Line("csat.assistantOnly", summary.Csat.AssistantOnly);
        Line("csat.withHumanResponses", summary.Csat.WithHumanResponses);
        Line("csat.assistantOnlyResponses", summary.Csat.AssistantOnlyResponses);
        Line("copilot.used", summary.Copilot.Used);
        Line("copilot.dismissed", summary.Copilot.Dismissed);
        Line("copilot.useRate", summary.Copilot.UseRate);
        Rows("byTrigger", summary.ByTrigger);
        Rows("byCategory", summary.ByCategory);
        Rows("byQueue", summary.ByQueue);
        return csv.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => string.Empty,
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Cell(value.ToString() ?? string.Empty),
    };

    /// <summary>A text cell: quoted when it holds a comma, quote or line break; a leading = + - @ is defused.</summary>
    public static string Cell(string text)
    {
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
