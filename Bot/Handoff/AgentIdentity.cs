using System.Security.Claims;
using HandoffBot.Hosting.Access;
using HandoffBot.Protocol;
using HandoffBot.Routing;

namespace HandoffBot.Handoff;

/// <summary>
/// The one mapping from whoever acts to the roster's agent: a hub user (Teams AAD object id or hub user id, else their
/// id as an agent id) and a signed-in principal (the <c>agent_id</c> claim of an API key, a console session or a JWT).
/// </summary>
public sealed class AgentIdentity(IAgentDirectory agents, RoutingProjection projection)
{
    /// <summary>The agent behind a hub user, with their display name; unknown users act under their hub id.</summary>
    public async Task<(AgentId Agent, string Name)> ForHubUserAsync(ChannelAccount? from, CancellationToken cancellationToken)
    {
        await projection.EnsureLoadedAsync(cancellationToken);
        foreach (var candidate in new[] { from?.AadObjectId, from?.Id })
        {
            if (candidate is { Length: > 0 } && (await agents.FindByHubUserAsync(candidate, cancellationToken) ?? await agents.GetAsync(new AgentId(candidate), cancellationToken)) is { } known)
            {
                return (known.Id, known.Name);
            }
        }
        var id = from?.Id ?? "unknown-agent";
        return (new AgentId(id), from?.Name ?? id);
    }

    /// <summary>The roster agent of a signed-in principal, or null (a supervisor or admin without an agent id, or an unknown id).</summary>
    public async Task<AgentRecord?> ForPrincipalAsync(ClaimsPrincipal user, CancellationToken cancellationToken) =>
        user.AgentId() is { Length: > 0 } id ? await agents.GetAsync(new AgentId(id), cancellationToken) : null;
}
