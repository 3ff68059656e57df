using System.Security.Claims;
using HandoffBot.Protocol;

namespace HandoffBot.Hosting;

/// <summary>The result of checking who sent an inbound activity.</summary>
public sealed record ChannelAuthResult(bool Succeeded, ClaimsIdentity? Identity, string? CallerId, string? Failure)
{
    public static ChannelAuthResult Anonymous { get; } = new(true, null, null, null);

    public static ChannelAuthResult Fail(string reason) => new(false, null, null, reason);
}

/// <summary>Authenticates a request to /api/messages from its Authorization header and the activity it carries.</summary>
public interface IChannelAuthenticator
{
    Task<ChannelAuthResult> AuthenticateAsync(string? authorizationHeader, Activity activity, CancellationToken cancellationToken);
}
