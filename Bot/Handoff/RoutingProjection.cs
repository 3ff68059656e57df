using HandoffBot.Routing;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>
/// The routing engine as a projection of the handoff store: loaded once, at first use after a start, from the roster,
/// the active handoffs (waiting, offered with their original offer time, accepted) and the recently ended ones
/// (handling times for the estimates, last agents for the preference). Everything that reads the engine (the
/// coordinator, the agent console's views) asks for it to be loaded first.
/// </summary>
public sealed class RoutingProjection(IHandoffStore store, IRoutingEngine routing, IAgentDirectory agents, IOptions<RoutingOptions> times, TimeProvider time)
{
    private int _restored;

    /// <summary>What the routing engine needs of a handoff.</summary>
    public static HandoffRequest RequestOf(HandoffRecord handoff) =>
        new(handoff.Id, handoff.Queue, handoff.Skill, (int)handoff.Priority, handoff.EnqueuedAt, handoff.CustomerKey, handoff.Customer.ChannelId!,
            handoff.Declined.Select(d => new AgentId(d)).ToHashSet());

    /// <summary>After a restart the routing engine is empty: puts waiting, offered and accepted handoffs back.</summary>
    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _restored, 1) == 1)
        {
            return;
        }
        var now = time.GetUtcNow();
        foreach (var agent in await agents.ListAsync(cancellationToken))
        {
            routing.UpsertAgent(agent.ToRoutable());
        }
        await RestoreHistoryAsync(now, cancellationToken);
        foreach (var handoff in await store.ListActiveWithoutPacketsAsync(cancellationToken))
        {
            var item = new WaitingItem(RequestOf(handoff));
            if (handoff.Status == HandoffStatus.WithAgent && handoff.AgentId is { } agent)
            {
                routing.RestoreAccepted(item, new AgentId(agent), handoff.AcceptedAt ?? now);
                continue;
            }
            if (handoff.Status == HandoffStatus.Offered && handoff.OfferedTo is { } offeredTo && handoff.OfferedAt is { } offeredAt)
            {
                // The offer survives the restart with its original time: the agent can still accept it, and it expires as before.
                routing.RestoreOffered(item, new AgentId(offeredTo), offeredAt);
                continue;
            }
            routing.AddWaiting(item);
        }
    }

    /// <summary>
    /// Handling times (accept to end) of handoffs ended within <c>Routing:EstimateWindow</c>, at most
    /// <c>EstimateMaxSamples</c> per queue, the most recent ones, and the last agent of each customer within
    /// <c>Routing:PreferLastAgentWithin</c>: the estimates and the last-agent preference are the same after a restart.
    /// </summary>
    private async Task RestoreHistoryAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var window = times.Value.EstimateWindow;
        var prefer = times.Value.PreferLastAgentWithin;
        var ended = await store.ListEndedSinceAsync(now - (window > prefer ? window : prefer), cancellationToken);
        var samples = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var handled = new List<HandoffRecord>();
        for (var i = ended.Count - 1; i >= 0; i--)
        {
            if (ended[i] is { AgentId: not null, AcceptedAt: not null, EndedAt: { } at } handoff && at >= now - window
                && samples.GetValueOrDefault(handoff.Queue) < times.Value.EstimateMaxSamples)
            {
                samples[handoff.Queue] = samples.GetValueOrDefault(handoff.Queue) + 1;
                handled.Add(handoff);
            }
        }
        for (var i = handled.Count - 1; i >= 0; i--)
        {
            routing.RecordHandlingTime(handled[i].Queue, handled[i].EndedAt!.Value - handled[i].AcceptedAt!.Value, handled[i].EndedAt!.Value);
        }
        foreach (var handoff in ended)
        {
            if (handoff is { AgentId: { } agent, AcceptedAt: { } accepted } && accepted >= now - prefer)
            {
                routing.RecordServed(handoff.CustomerKey, new AgentId(agent), accepted);
            }
        }
    }
}
