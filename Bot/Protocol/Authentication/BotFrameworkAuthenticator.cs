using System.Security.Claims;
using HandoffBot.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HandoffBot.Protocol.Authentication;

/// <summary>
/// Authenticates requests to /api/messages the way Azure Bot Service and the Emulator expect:
/// <list type="bullet">
/// <item>no Authorization header only in local mode (empty MicrosoftAppId);</item>
/// <item>channel tokens: issuer https://api.botframework.com, audience = our app id, RS256/384/512, 5 minutes skew,
/// the <c>serviceurl</c> claim equal to activity.serviceUrl, and the activity's channel among the key's endorsements;</item>
/// <item>Emulator tokens: the known Entra issuers (or the configured tenant's), audience = our app id, and our app id in
/// <c>appid</c> (v1.0) or <c>azp</c> (v2.0).</item>
/// </list>
/// On success the activity's callerId is set.
/// </summary>
public sealed partial class BotFrameworkAuthenticator : IChannelAuthenticator, IDisposable
{
    public const string ChannelIssuer = "https://api.botframework.com";
    public const string PublicAzureCallerId = "urn:botframework:azure";

    private static readonly string[] EmulatorTenants = ["d6d49420-f39b-4df7-a1dc-d59a935871db", "f8cdef31-a31e-4b4a-93e4-5f571e91255a"];
    private static readonly string[] AllowedAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512];

    private readonly BotIdentityOptions _identity;
    private readonly ChannelAuthenticationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BotFrameworkAuthenticator> _logger;
    private readonly SigningKeyCache _channelKeys;
    private readonly SigningKeyCache _emulatorKeys;
    private readonly HashSet<string> _emulatorIssuers;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public BotFrameworkAuthenticator(
        IOptions<BotIdentityOptions> identity,
        IOptions<ChannelAuthenticationOptions> options,
        IHttpClientFactory httpClientFactory,
        TimeProvider time,
        ILogger<BotFrameworkAuthenticator> logger)
    {
        _identity = identity.Value;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var http = httpClientFactory.CreateClient(HttpClientName);
        _channelKeys = new SigningKeyCache(http, _options.ChannelOpenIdMetadataUrl, _options.KeyRefreshInterval, _options.UnknownKeyRefreshInterval, time, logger);
        _emulatorKeys = new SigningKeyCache(http, _options.EmulatorOpenIdMetadataUrl, _options.KeyRefreshInterval, _options.UnknownKeyRefreshInterval, time, logger);
        var tenants = EmulatorTenants.AsEnumerable();
        if (_identity.MicrosoftAppTenantId is { Length: > 0 } tenant)
        {
            tenants = tenants.Append(tenant);
        }
        _emulatorIssuers = new HashSet<string>(
            tenants.SelectMany(t => new[] { $"https://sts.windows.net/{t}/", $"https://login.microsoftonline.com/{t}/v2.0" }),
            StringComparer.OrdinalIgnoreCase);
    }

    public const string HttpClientName = "BotFrameworkOpenIdMetadata";

    public async Task<ChannelAuthResult> AuthenticateAsync(string? authorizationHeader, Activity activity, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(authorizationHeader))
        {
            return _identity.IsLocalMode
                ? ChannelAuthResult.Anonymous
                : ChannelAuthResult.Fail("An Authorization header with a Bearer token is required.");
        }
        if (_identity.IsLocalMode)
        {
            return ChannelAuthResult.Fail("A token was sent but the bot has no MicrosoftAppId to validate it against.");
        }
        if (!authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorizationHeader.Length <= 7)
        {
            return ChannelAuthResult.Fail("The Authorization header must be 'Bearer <token>'.");
        }
        var raw = authorizationHeader[7..].Trim();
        JsonWebToken token;
        try
        {
            token = new JsonWebToken(raw);
        }
        catch (ArgumentException)
        {
            return ChannelAuthResult.Fail("The bearer token is not a JWT.");
        }

        try
        {
            var result = token.Issuer switch
            {
                ChannelIssuer => await ValidateChannelTokenAsync(raw, token, activity, cancellationToken),
                var issuer when _emulatorIssuers.Contains(issuer) => await ValidateEmulatorTokenAsync(raw, token, activity, cancellationToken),
                _ => ChannelAuthResult.Fail("The token's issuer is not trusted."),
            };
            if (!result.Succeeded)
            {
                LogRejected(_logger, activity.ChannelId, result.Failure);
            }
            return result;
        }
        catch (Exception exception) when (exception is HttpRequestException or InvalidDataException or System.Text.Json.JsonException or TaskCanceledException)
        {
            LogKeysUnavailable(_logger, exception);
            return ChannelAuthResult.Fail("The signing keys could not be fetched, so the token cannot be validated.");
        }
    }

    private async Task<ChannelAuthResult> ValidateChannelTokenAsync(string raw, JsonWebToken token, Activity activity, CancellationToken cancellationToken)
    {
        var (validated, key, failure) = await ValidateAsync(raw, token, _channelKeys, [ChannelIssuer], activity, cancellationToken);
        if (validated is null)
        {
            return ChannelAuthResult.Fail(failure!);
        }
        var serviceUrlClaim = validated.FindFirst("serviceurl")?.Value;
        if (string.IsNullOrEmpty(serviceUrlClaim))
        {
            return ChannelAuthResult.Fail("The channel token has no serviceurl claim.");
        }
        if (!string.Equals(serviceUrlClaim, activity.ServiceUrl, StringComparison.OrdinalIgnoreCase))
        {
            return ChannelAuthResult.Fail("The token's serviceurl claim does not match the activity's serviceUrl.");
        }
        _ = key;
        return new ChannelAuthResult(true, validated, PublicAzureCallerId, null);
    }

    private async Task<ChannelAuthResult> ValidateEmulatorTokenAsync(string raw, JsonWebToken token, Activity activity, CancellationToken cancellationToken)
    {
        var (validated, _, failure) = await ValidateAsync(raw, token, _emulatorKeys, _emulatorIssuers, activity, cancellationToken);
        if (validated is null)
        {
            return ChannelAuthResult.Fail(failure!);
        }
        var version = validated.FindFirst("ver")?.Value;
        var appIdClaim = version switch
        {
            null or "" or "1.0" => "appid",
            "2.0" => "azp",
            _ => null,
        };
        if (appIdClaim is null)
        {
            return ChannelAuthResult.Fail($"Unknown Emulator token version '{version}'.");
        }
        if (!string.Equals(validated.FindFirst(appIdClaim)?.Value, _identity.MicrosoftAppId, StringComparison.OrdinalIgnoreCase))
        {
            return ChannelAuthResult.Fail($"The Emulator token's {appIdClaim} claim is not this bot's app id.");
        }
        return new ChannelAuthResult(true, validated, PublicAzureCallerId, null);
    }

    private async Task<(ClaimsIdentity? Identity, EndorsedKey? Key, string? Failure)> ValidateAsync(
        string raw, JsonWebToken token, SigningKeyCache keys, IEnumerable<string> issuers, Activity activity, CancellationToken cancellationToken)
    {
        if (!AllowedAlgorithms.Contains(token.Alg, StringComparer.Ordinal))
        {
            return (null, null, $"Token algorithm '{token.Alg}' is not allowed (RS256, RS384, RS512 only).");
        }
        IReadOnlyCollection<EndorsedKey> candidates;
        if (string.IsNullOrEmpty(token.Kid))
        {
            candidates = await keys.GetKeysAsync(cancellationToken);
        }
        else
        {
            var found = await keys.FindAsync(token.Kid, cancellationToken);
            if (found is null)
            {
                return (null, null, "The token is signed with an unknown key.");
            }
            candidates = [found];
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuers = issuers,
            ValidAudience = _identity.MicrosoftAppId,
            ValidAlgorithms = AllowedAlgorithms,
            IssuerSigningKeys = candidates.Select(k => k.Key),
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = _options.ClockSkew,
            LifetimeValidator = TokenLifetime.Validator(_time),
            TryAllIssuerSigningKeys = string.IsNullOrEmpty(token.Kid),
        };
        var result = await _handler.ValidateTokenAsync(raw, parameters);
        if (!result.IsValid)
        {
            return (null, null, Describe(result.Exception));
        }
        var signingKeyId = (result.SecurityToken as JsonWebToken)?.SigningKey?.KeyId ?? token.Kid;
        var key = candidates.FirstOrDefault(k => k.KeyId == signingKeyId);
        if (key is { Endorsements.Count: > 0 } && (activity.ChannelId is null || !key.Endorsements.Contains(activity.ChannelId)))
        {
            return (null, key, $"The signing key is not endorsed for channel '{activity.ChannelId}'.");
        }
        return (result.ClaimsIdentity, key, null);
    }

    public void Dispose()
    {
        _channelKeys.Dispose();
        _emulatorKeys.Dispose();
    }

    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        SecurityTokenInvalidAudienceException => "The token's audience is not this bot's app id.",
        SecurityTokenInvalidIssuerException => "The token's issuer is not trusted.",
        SecurityTokenInvalidAlgorithmException => "The token's algorithm is not allowed.",
        SecurityTokenSignatureKeyNotFoundException => "The token is signed with an unknown key.",
        SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        _ => "The token is not valid.",
    };

    [LoggerMessage(EventId = 1210, Level = LogLevel.Warning, Message = "Rejected a request on channel {ChannelId}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string? channelId, string? reason);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Error, Message = "Signing keys unavailable; request rejected")]
    private static partial void LogKeysUnavailable(ILogger logger, Exception exception);
}
