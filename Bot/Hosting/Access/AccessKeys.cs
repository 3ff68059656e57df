using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.Access;

/// <summary>
/// The access keys the bot accepts: <c>Access:ApiKeys</c> and, on embedded defaults, the agent console keys made at
/// start-up (<see cref="AddGenerated"/>, from <see cref="ISignInKeySource"/>). Only SHA-256 digests are kept, compared
/// in constant time.
/// </summary>
public sealed class AccessKeys
{
    private readonly Lock _gate = new();
    private readonly ISignInKeySource _generated;
    private (byte[] Digest, ApiKeyEntry Entry)[] _keys;

    public AccessKeys(IOptions<AccessOptions> access, ISignInKeySource? generated = null)
    {
        ArgumentNullException.ThrowIfNull(access);
        _generated = generated ?? new RandomSignInKeys();
        IsConfigured = access.Value.ApiKeys.Count > 0 || access.Value.Jwt is not null;
        _keys = [.. access.Value.ApiKeys.Select(k => (Digest(k.Key), Without(k)))];
    }

    /// <summary>True when any access is configured (API keys or JWT): then no key is ever generated.</summary>
    public bool IsConfigured { get; }

    /// <summary>The entry whose key is <paramref name="presented"/>, or null.</summary>
    public ApiKeyEntry? Find(string presented)
    {
        var digest = Digest(presented);
        ApiKeyEntry? match = null;
        foreach (var (known, entry) in Volatile.Read(ref _keys))
        {
            if (CryptographicOperations.FixedTimeEquals(known, digest))
            {
                match = entry;
            }
        }
        return match;
    }

    /// <summary>Makes a key for <paramref name="entry"/> (its <see cref="ApiKeyEntry.Key"/> is ignored), keeps its digest and returns the key once.</summary>
    public string AddGenerated(ApiKeyEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var key = _generated.KeyFor(entry);
        lock (_gate)
        {
            _keys = [.. _keys, (Digest(key), Without(entry))];
        }
        return key;
    }

    /// <summary>The principal of a key holder: name, role and, for agents, the roster's agent id.</summary>
    public static ClaimsPrincipal Principal(ApiKeyEntry entry, string scheme)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var claims = new List<Claim> { new(ClaimTypes.Name, entry.Name), new(ClaimTypes.Role, entry.Role.ToLowerInvariant()) };
        if (entry.AgentId is { Length: > 0 } agentId)
        {
            claims.Add(new Claim(ApiKeyAuthenticationHandler.AgentIdClaim, agentId));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static ApiKeyEntry Without(ApiKeyEntry entry) => new() { Name = entry.Name, Role = entry.Role, AgentId = entry.AgentId, Key = "" };
}
