using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.Access;

/// <summary>
/// Authenticates <c>X-Api-Key: ...</c> (or <c>Authorization: ApiKey ...</c>) against the configured keys, comparing
/// SHA-256 digests in constant time.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AccessOptions> access)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string AgentIdClaim = "agent_id";

    private readonly (byte[] Digest, ApiKeyEntry Entry)[] _keys =
        [.. access.Value.ApiKeys.Select(k => (SHA256.HashData(Encoding.UTF8.GetBytes(k.Key)), k))];

    /// <summary>The key presented by the request, if any.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers[HeaderName].ToString();
        if (header.Length > 0)
        {
            return header;
        }
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { Length: > 0 } presented)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyEntry? match = null;
        foreach (var (known, entry) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(known, digest))
            {
                match = entry;
            }
        }
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }
        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name), new(ClaimTypes.Role, match.Role.ToLowerInvariant()) };
        if (match.AgentId is { Length: > 0 } agentId)
        {
            claims.Add(new Claim(AgentIdClaim, agentId));
        }
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
