using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HandoffBot.Tests.Support;

/// <summary>
/// OpenID metadata and JWKS for a "channel" and an "Emulator" issuer on a loopback port, with real RSA keys that
/// tests can rotate, and a minter for real signed tokens.
/// </summary>
public sealed class FakeIdentityServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, List<(RsaSecurityKey Key, string[] Endorsements)>> _published = new()
    {
        ["channel"] = [],
        ["emulator"] = [],
    };
    private int _keyFetches;

    private FakeIdentityServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public string ChannelMetadataUrl => $"{BaseUrl}/channel/.well-known/openidconfiguration";

    public string EmulatorMetadataUrl => $"{BaseUrl}/emulator/.well-known/openid-configuration";

    /// <summary>How many times any key set was downloaded.</summary>
    public int KeyFetches => Volatile.Read(ref _keyFetches);

    public static async Task<FakeIdentityServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeIdentityServer(app);
        app.MapGet("/{issuer}/.well-known/{name}", (string issuer) =>
            Results.Text(JsonSerializer.Serialize(new Dictionary<string, string> { ["issuer"] = issuer, ["jwks_uri"] = $"{server.BaseUrl}/{issuer}/keys" }), "application/json"));
        app.MapGet("/{issuer}/keys", (string issuer) =>
        {
            Interlocked.Increment(ref server._keyFetches);
            return Results.Text(server.KeySetJson(issuer), "application/json");
        });
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Creates a new RSA key and publishes it for <paramref name="issuer"/> ("channel" or "emulator").</summary>
    public RsaSecurityKey Publish(string issuer, params string[] endorsements)
    {
        var key = CreateKey();
        lock (_published)
        {
            _published[issuer].Add((key, endorsements));
        }
        return key;
    }

    public static RsaSecurityKey CreateKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };

    private string KeySetJson(string issuer)
    {
        lock (_published)
        {
            var keys = _published.GetValueOrDefault(issuer) ?? [];
            return JsonSerializer.Serialize(new
            {
                keys = keys.Select(k =>
                {
                    var parameters = k.Key.Rsa.ExportParameters(false);
                    return new Dictionary<string, object>
                    {
                        ["kty"] = "RSA",
                        ["use"] = "sig",
                        ["kid"] = k.Key.KeyId,
                        ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                        ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                        ["endorsements"] = k.Endorsements,
                    };
                }),
            });
        }
    }

    /// <summary>Mints a real signed JWT.</summary>
    public static string Mint(
        SecurityKey key, string issuer, string audience, DateTimeOffset now,
        IDictionary<string, object>? claims = null, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null,
        string algorithm = SecurityAlgorithms.RsaSha256)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = (notBefore ?? now).UtcDateTime,
            NotBefore = (notBefore ?? now).UtcDateTime,
            Expires = (notBefore ?? now).Add(lifetime ?? TimeSpan.FromHours(1)).UtcDateTime,
            Claims = claims ?? new Dictionary<string, object>(),
            SigningCredentials = new SigningCredentials(key, algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with the given payload.</summary>
    public static string Unsigned(object payload) =>
        $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""")}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload))}.";

    /// <summary>A token signed HS256 with the RSA public key's bytes as the secret (the classic key-confusion attack).</summary>
    public static string Hs256WithPublicKey(RsaSecurityKey rsa, string issuer, string audience, DateTimeOffset now, IDictionary<string, object> claims)
    {
        var publicBytes = Encoding.UTF8.GetBytes(rsa.Rsa.ExportSubjectPublicKeyInfoPem());
        var symmetric = new SymmetricSecurityKey(publicBytes) { KeyId = rsa.KeyId };
        return Mint(symmetric, issuer, audience, now, claims, algorithm: SecurityAlgorithms.HmacSha256);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
