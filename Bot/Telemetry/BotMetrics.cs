using System.Diagnostics.Metrics;

namespace HandoffBot.Telemetry;

/// <summary>
/// The bot's instruments, on <see cref="BotTelemetry.Meter"/>. Names follow the OpenTelemetry conventions (dots, units
/// in <c>unit</c>); the Prometheus endpoint shows them with underscores and unit suffixes (<c>handoffbot_turns_total</c>).
/// Tags are low-cardinality: channel, queue, status, trigger, category; never ids or text.
/// </summary>
internal static class BotMetrics
{
    public static readonly Counter<long> Turns = BotTelemetry.Meter.CreateCounter<long>(
        "handoffbot.turns", "{turn}", "Turns run, by channel and outcome.");

    public static readonly Histogram<double> TurnDuration = BotTelemetry.Meter.CreateHistogram<double>(
        "handoffbot.turn.duration", "s", "Time from a turn's start to its commit.");

    public static readonly Counter<long> Escalations = BotTelemetry.Meter.CreateCounter<long>(
        "handoffbot.escalations", "{escalation}", "Escalation decisions that called for a person, by trigger and category.");

    public static readonly Counter<long> HandoffTransitions = BotTelemetry.Meter.CreateCounter<long>(
        "handoffbot.handoffs", "{transition}", "Handoff transitions, by queue, action and the status reached.");

    public static readonly Histogram<double> WaitTime = BotTelemetry.Meter.CreateHistogram<double>(
        "handoffbot.handoff.wait_time", "s", "Customer's wait from the queue to an agent's accept, by queue.");

    public static readonly Histogram<double> TimeToAccept = BotTelemetry.Meter.CreateHistogram<double>(
        "handoffbot.handoff.time_to_accept", "s", "Time from the last offer to the accept, by queue.");

    public static readonly Counter<long> OffersLost = BotTelemetry.Meter.CreateCounter<long>(
        "handoffbot.handoff.offers_lost", "{offer}", "Offers declined or expired, by queue and result.");

    public static readonly Histogram<int> Satisfaction = BotTelemetry.Meter.CreateHistogram<int>(
        "handoffbot.handoff.csat", "{score}", "Customer satisfaction scores (1-5) after a handoff.");

    public static readonly Counter<long> DeliveryFailures = BotTelemetry.Meter.CreateCounter<long>(
        "handoffbot.outbox.delivery_failures", "{delivery}", "Outbox deliveries that failed, by HTTP status and whether they were given up.");

    public static readonly Counter<long> ConnectorErrors = BotTelemetry.Meter.CreateCounter<long>(
        "handoffbot.connector.errors", "{call}", "Connector calls that failed, by HTTP status.");
}
