using Microsoft.IdentityModel.Tokens;

namespace HandoffBot.Protocol.Authentication;

/// <summary>exp/nbf checks against the injected clock (IdentityModel's default reads the system clock).</summary>
public static class TokenLifetime
{
    public static LifetimeValidator Validator(TimeProvider time) => (notBefore, expires, _, parameters) =>
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiry.");
        }
        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }
        if (expires.Value < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }
        return true;
    };
}
