namespace HandoffBot.Routing;

/// <summary>An agent on the roster (from <c>Routing:Agents</c>) with their persisted presence.</summary>
public sealed record AgentRecord(
    AgentId Id,
    string Name,
    string HubUserId,
    IReadOnlyList<AgentSkill> Skills,
    IReadOnlyDictionary<string, int> CapacityPerChannel,
    WorkingHours? Hours,
    AgentPresence Presence,
    DateTimeOffset PresenceChangedAt)
{
    /// <summary>The agent as the routing engine takes them (<paramref name="untrackedActive"/>: see <see cref="IRoutingEngine.UpsertAgent"/>).</summary>
    public RoutableAgent ToRoutable(int untrackedActive = 0, DateTimeOffset lastAssignedAt = default) =>
        new(Id, Name, Skills, CapacityPerChannel, Presence, Hours, untrackedActive, lastAssignedAt);
}

/// <summary>
/// The agent roster: seeded from configuration into the <c>agents</c> table (configuration is the source of truth
/// for profiles; presence changes are kept across restarts). The handoff coordinator loads the routing engine from it.
/// </summary>
public interface IAgentDirectory
{
    Task<AgentRecord?> GetAsync(AgentId id, CancellationToken cancellationToken);

    /// <summary>The agent whose hub user id (Teams AAD object id, console user) is <paramref name="hubUserId"/>.</summary>
    Task<AgentRecord?> FindByHubUserAsync(string hubUserId, CancellationToken cancellationToken);

    /// <summary>Persists a presence change; null when the agent is unknown.</summary>
    Task<AgentRecord?> SetPresenceAsync(AgentId id, AgentPresence presence, CancellationToken cancellationToken);

    /// <summary>
    /// A run-time capacity change (the supervisor view): <paramref name="capacity"/> conversations on every channel,
    /// replacing the configured per-channel values until the next start seeds the roster from configuration again;
    /// null when the agent is unknown.
    /// </summary>
    Task<AgentRecord?> SetCapacityAsync(AgentId id, int capacity, CancellationToken cancellationToken);

    Task<IReadOnlyList<AgentRecord>> ListAsync(CancellationToken cancellationToken);
}
