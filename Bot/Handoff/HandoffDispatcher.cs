using HandoffBot.AgentHub;
using HandoffBot.Pipeline;
using HandoffBot.Routing;
using HandoffBot.Storage;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>
/// The dispatch round: asks the routing engine for every assignment it can make now, and stores each as an offer
/// together with the hub message telling its agent (one commit per offer, one group commit per round). Only the
/// routing owner dispatches; every offer carries the term its engine was built for, so a stale owner's offers are
/// refused by the store.
/// </summary>
public sealed partial class HandoffDispatcher(
    IHandoffStore store,
    IRoutingEngine routing,
    RoutingProjection projection,
    HubNotifier hub,
    OutboxSignal outboxSignal,
    IAgentDirectory agents,
    IOptions<RoutingOptions> times,
    TimeProvider time,
    ILogger<HandoffDispatcher> logger)
{
    /// <summary>Offers every item the routing engine can assign now; nothing where another instance owns routing (it hears of the change).</summary>
    public async Task DispatchAsync(CancellationToken cancellationToken)
    {
        if (!projection.DecidesRouting)
        {
            return;
        }
        var offered = 0;
        var gate = await projection.EnterAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var assignments = routing.Assign(now);
            var chosen = await Task.WhenAll(assignments.Select(a => agents.GetAsync(a.Agent, cancellationToken)));
            // One group commit for every offer of this round; each offer's transition and the message telling its agent
            // are one commit (a crash cannot leave an offer nobody was told of).
            // Each offer carries the term the engine was built for: once another instance has taken ownership, the
            // store refuses it (this instance learns at its next check that it lost its session).
            var term = projection.BuiltForTerm;
            var transitions = await Task.WhenAll(assignments.Select((a, i) => store.TryOwnerTransitionAsync(a.HandoffId, term,
                h => h.Offer(a.Agent.Value, now, $"{a.Policy}: {a.Reason}"),
                stored => OfferMessages(stored, a.Agent, chosen[i]), cancellationToken)));
            for (var i = 0; i < assignments.Count; i++)
            {
                if (transitions[i].Value is { } handoff)
                {
                    offered++;
                    LogOffered(logger, handoff.Id, assignments[i].Agent.Value, assignments[i].Policy);
                }
                else if (transitions[i].Error?.Code == HandoffError.NotRoutingOwner)
                {
                    LogNotOwnerAnyMore(logger, assignments[i].HandoffId, term);
                }
                else
                {
                    routing.RemoveWaiting(assignments[i].HandoffId); // cancelled or accepted meanwhile
                }
            }
        }
        finally
        {
            gate.Dispose();
        }
        if (offered > 0)
        {
            outboxSignal.Notify();
        }
    }

    /// <summary>The hub message of an offer to <paramref name="agent"/> (none before the hub thread exists: the card then shows the offer).</summary>
    internal IReadOnlyList<ITurnRecord> OfferMessages(HandoffRecord offered, AgentId agent, AgentRecord? record) =>
        hub.OfferMessage(offered, agent, record?.Name ?? routing.GetAgent(agent)?.Name ?? agent.Value, record?.HubUserId, times.Value.OfferTimeout) is { } message
            ? [message]
            : [];

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Handoff {HandoffId} offered to {Agent} ({Policy})")]
    private static partial void LogOffered(ILogger logger, string handoffId, string agent, string policy);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Handoff {HandoffId} was not offered: routing term {Term} has ended (another instance owns routing now)")]
    private static partial void LogNotOwnerAnyMore(ILogger logger, string handoffId, long term);
}
