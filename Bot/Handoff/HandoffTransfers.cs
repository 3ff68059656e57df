using HandoffBot.Resources;
using HandoffBot.Routing;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>An agent hands the customer on: to another queue, or to a named colleague.</summary>
public sealed class HandoffTransfers(
    HandoffCoordinator coordinator,
    HandoffDispatcher dispatcher,
    IHandoffStore store,
    IRoutingEngine routing,
    RoutingProjection projection,
    OutboxSignal outboxSignal,
    ICopy copy,
    HandoffWording wording,
    IOptions<RoutingOptions> times,
    TimeProvider time)
{
    /// <summary>The agent hands the customer to another queue.</summary>
    public async Task<Transition> TransferAsync(string handoffId, string queue, AgentId agent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var skill = times.Value.Queues.TryGetValue(queue, out var configured) && configured.Skill.Length > 0 ? configured.Skill : queue;
        var transferred = await store.TryTransitionAsync(handoffId, h => h.Transfer(queue, skill, now, $"transferred to {queue}"), HandoffActor.Agent(agent.Value), cancellationToken);
        if (transferred.Value is not { } handoff)
        {
            return transferred;
        }
        projection.Track(handoff, now); // waits again, under the new queue and skill
        await coordinator.ToCustomerAsync(handoff, $"transfer:{handoff.Version}", copy.Get(handoff.Locale, "handoff.transfer", ("queue", queue), ("wait", wording.DescribeWait(handoff.Locale, routing.Estimate(handoffId, now)))), cancellationToken);
        await dispatcher.DispatchAsync(cancellationToken);
        return transferred;
    }

    /// <summary>
    /// The agent hands the customer to a named colleague: the handoff is transferred and offered to them straight away
    /// (the offer times out like any other and then goes to whoever routing chooses).
    /// </summary>
    public async Task<Transition> TransferToAgentAsync(string handoffId, AgentRecord target, AgentId by, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var transferred = await store.TryTransitionAsync(handoffId, h => h.Transfer(h.Queue, h.Skill, now, $"transferred to {target.Id.Value}"), HandoffActor.Agent(by.Value), cancellationToken);
        if (transferred.Value is not { } handoff)
        {
            return transferred;
        }
        var offered = await store.TryTransitionAsync(handoffId, h => h.Offer(target.Id.Value, now, $"transfer: chosen by {by.Value}"), HandoffActor.Agent(by.Value),
            stored => dispatcher.OfferMessages(stored, target.Id, target), cancellationToken);
        if (offered.Value is { } offer)
        {
            projection.Track(offer, now); // the old agent's conversation ends, the new one's offer starts now
            outboxSignal.Notify();
        }
        else
        {
            projection.Track(handoff, now);
        }
        await coordinator.ToCustomerAsync(handoff, $"transfer:{handoff.Version}", copy.Get(handoff.Locale, "handoff.transferToAgent", ("agent", target.Name)), cancellationToken);
        await dispatcher.DispatchAsync(cancellationToken);
        return offered.Succeeded ? offered : transferred;
    }
}
