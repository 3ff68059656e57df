using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Who a Direct Line request comes from: the secret's holder (a server) or a token bound to one conversation and user.</summary>
public sealed record DirectLineCaller(bool IsSecret, string? ConversationId, string? UserId, string? Token, DateTimeOffset? ExpiresAt);

public enum TokenStatus
{
    Valid,
    Expired,
    Invalid,
}

public sealed record TokenCheck(TokenStatus Status, string? ConversationId, string? UserId, DateTimeOffset? ExpiresAt);

/// <summary>
/// Issues and checks Direct Line tokens: HS256 JWTs carrying the conversation (<c>conv</c>) and the user (<c>user</c>)
/// they are bound to, signed with a key derived from <c>DirectLine:Secret</c>. Lifetimes come from the injected clock.
/// </summary>
public sealed partial class DirectLineTokens
{
    private const string Issuer = "handoffbot-directline";
    private const string Audience = "directline";
    private const string ConversationClaim = "conv";
    private const string UserClaim = "user";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false, MapInboundClaims = false };
    private readonly SymmetricSecurityKey _key;
    private readonly byte[]? _secret;
    private readonly TokenValidationParameters _validation;
    private readonly TimeProvider _time;
    private readonly DirectLineOptions _options;

    public DirectLineTokens(IOptions<DirectLineOptions> options, TimeProvider time, ILogger<DirectLineTokens> logger)
    {
        _options = options.Value;
        _time = time;
        if (string.IsNullOrEmpty(_options.Secret))
        {
            LogNoSecret(logger);
            _key = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
        }
        else
        {
            _secret = Encoding.UTF8.GetBytes(_options.Secret);
            var derived = HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: Encoding.UTF8.GetBytes("HandoffBot Direct Line"), info: Encoding.UTF8.GetBytes("token signing key v1"));
            _key = new SymmetricSecurityKey(derived);
        }
        _validation = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateLifetime = false, // checked against the injected clock below
            RequireExpirationTime = true,
        };
    }

    public TimeSpan Lifetime => _options.TokenLifetime;

    public int ExpiresInSeconds => (int)_options.TokenLifetime.TotalSeconds;

    /// <summary>True when <paramref name="presented"/> is the configured secret (constant-time comparison).</summary>
    public bool IsSecret(string presented) =>
        _secret is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _secret);

    public string Issue(string conversationId, string userId)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + _options.TokenLifetime,
            Claims = new Dictionary<string, object> { [ConversationClaim] = conversationId, [UserClaim] = userId },
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    public async Task<TokenCheck> CheckAsync(string token)
    {
        if (token.Length is 0 or > 4096)
        {
            return new TokenCheck(TokenStatus.Invalid, null, null, null);
        }
        var result = await _handler.ValidateTokenAsync(token, _validation);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt
            || !jwt.TryGetPayloadValue<string>(ConversationClaim, out var conversationId) || string.IsNullOrEmpty(conversationId)
            || !jwt.TryGetPayloadValue<string>(UserClaim, out var userId) || string.IsNullOrEmpty(userId))
        {
            return new TokenCheck(TokenStatus.Invalid, null, null, null);
        }
        var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        var now = _time.GetUtcNow();
        var status = now >= expires || now < new DateTimeOffset(jwt.ValidFrom, TimeSpan.Zero) - TimeSpan.FromMinutes(5)
            ? TokenStatus.Expired
            : TokenStatus.Valid;
        return new TokenCheck(status, conversationId, userId, expires);
    }

    /// <summary>A new random id with a prefix (<c>dl_</c> for users, like Azure's Direct Line).</summary>
    public static string NewId(string prefix) =>
        prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "DirectLine:Secret is not set: Direct Line tokens are signed with a random key and stop working when the process restarts; only /api/directline/token issues them.")]
    private static partial void LogNoSecret(ILogger logger);
}
