using System.Security.Claims;
using HandoffBot.Protocol;
using Microsoft.Extensions.Options;

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

/// <summary>
/// Local mode only: with no MicrosoftAppId, requests without an Authorization header are accepted.
/// With an app id configured, every request is refused until a token validator is registered.
/// </summary>
internal sealed class LocalModeAuthenticator(IOptions<BotIdentityOptions> identity) : IChannelAuthenticator
{
    public Task<ChannelAuthResult> AuthenticateAsync(string? authorizationHeader, Activity activity, CancellationToken cancellationToken) =>
        Task.FromResult(identity.Value.IsLocalMode && string.IsNullOrEmpty(authorizationHeader)
            ? ChannelAuthResult.Anonymous
            : ChannelAuthResult.Fail(identity.Value.IsLocalMode
                ? "An Authorization header was sent but the bot has no MicrosoftAppId to validate it against."
                : "Channel token validation is not available."));
}
