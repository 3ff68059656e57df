using System.Globalization;
using System.Security.Claims;
using HandoffBot.Handoff;
using HandoffBot.Hosting.Access;
using HandoffBot.Routing;

namespace HandoffBot.AgentConsole;

/// <summary>
/// Run-time roster changes from the supervisor view: an agent's capacity. The change is stored in the agent directory,
/// applied to the routing engine at once (more capacity offers waiting customers straight away) and audited as a
/// configuration change (<c>config.agent.capacity</c>, refused ones too). It lasts until the next start, when the
/// roster is seeded from configuration again.
/// </summary>
public sealed class RosterChanges(IAgentDirectory agents, IRoutingEngine routing, RoutingProjection projection, HandoffDispatcher dispatcher, IAccessAudit audit)
{
    /// <summary>The audit action of a capacity change.</summary>
    public const string CapacityAction = "config.agent.capacity";

    /// <summary>The largest capacity per channel (the same bound as <c>Routing:Agents:*:CapacityPerChannel</c>).</summary>
    public const int MaxCapacity = 1000;

    /// <summary>Sets <paramref name="agent"/>'s capacity to <paramref name="capacity"/> on every channel; null when there is no such agent.</summary>
    public async Task<AgentRecord?> SetCapacityAsync(ClaimsPrincipal supervisor, AgentId agent, int capacity, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        await projection.EnsureLoadedAsync(cancellationToken);
        var before = await agents.GetAsync(agent, cancellationToken);
        var changed = before is null ? null : await agents.SetCapacityAsync(agent, capacity, cancellationToken);
        var from = before is null ? "unknown agent" : SupervisorViews.CapacityOf(before).ToString(CultureInfo.InvariantCulture);
        await audit.RecordAsync(supervisor, CapacityAction, $"agent:{agent.Value} capacity {from} → {capacity}", changed is not null, cancellationToken);
        if (changed is null)
        {
            return null;
        }
        // The profile as the projection loads it (the bot tracks every conversation, so none is untracked); the engine keeps its offers and accepts.
        routing.UpsertAgent(changed.ToRoutable(lastAssignedAt: routing.GetAgent(agent)?.LastAssignedAt ?? default));
        await dispatcher.DispatchAsync(cancellationToken);
        return changed;
    }
}
