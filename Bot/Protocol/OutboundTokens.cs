using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using HandoffBot.Hosting;
using Microsoft.Extensions.Options;

namespace HandoffBot.Protocol;

/// <summary>
/// Where and how the bot gets its outbound (bot to channel) token when MicrosoftAppId is set.
/// The app id, password and tenant are the root keys the Bot Framework templates use (<see cref="BotIdentityOptions"/>).
/// </summary>
public sealed class OutboundTokenOptions : IValidatableObject
{
    public const string Section = "Connector:Token";

    public const string DefaultScope = "https://api.botframework.com/.default";

    /// <summary>
    /// OAuth2 token endpoint. Empty: <c>https://login.microsoftonline.com/{MicrosoftAppTenantId or botframework.com}/oauth2/v2.0/token</c>.
    /// </summary>
    public string? TokenEndpoint { get; set; }

    [Required]
    public string Scope { get; set; } = DefaultScope;

    /// <summary>A cached token is replaced this long before it expires.</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Timeout of one token request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public Uri ResolveEndpoint(string? tenantId) => string.IsNullOrWhiteSpace(TokenEndpoint)
        ? new Uri($"https://login.microsoftonline.com/{Uri.EscapeDataString(string.IsNullOrWhiteSpace(tenantId) ? "botframework.com" : tenantId.Trim())}/oauth2/v2.0/token")
        : new Uri(TokenEndpoint);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(TokenEndpoint)
            && !(Uri.TryCreate(TokenEndpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult($"{Section}:TokenEndpoint '{TokenEndpoint}' is not an absolute http(s) URL.", [nameof(TokenEndpoint)]);
        }
        if (RefreshBeforeExpiry < TimeSpan.Zero || RefreshBeforeExpiry > TimeSpan.FromMinutes(30))
        {
            yield return new ValidationResult($"{Section}:RefreshBeforeExpiry must be between 00:00:00 and 00:30:00.", [nameof(RefreshBeforeExpiry)]);
        }
        if (RequestTimeout < TimeSpan.FromSeconds(1) || RequestTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult($"{Section}:RequestTimeout must be between 00:00:01 and 00:05:00.", [nameof(RequestTimeout)]);
        }
    }
}

/// <summary>The token endpoint refused or failed: its status and OAuth error (never the secret).</summary>
public sealed class OutboundTokenException(HttpStatusCode? status, string? error, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public HttpStatusCode? StatusCode { get; } = status;

    public string? Error { get; } = error;
}

/// <summary>
/// OAuth2 client credentials for outbound Connector calls: one token cached for everyone, replaced
/// <see cref="OutboundTokenOptions.RefreshBeforeExpiry"/> before it expires, fetched by one caller at a time
/// (concurrent callers wait for that one request), and replaced on demand after a 401 from the Connector.
/// </summary>
internal sealed partial class ClientCredentialsTokenProvider(
    IHttpClientFactory httpClients,
    IOptions<OutboundTokenOptions> options,
    IOptions<BotIdentityOptions> identity,
    TimeProvider time,
    ILogger<ClientCredentialsTokenProvider> logger) : IOutboundTokenProvider, IDisposable
{
    public const string HttpClientName = "BotTokens";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile CachedToken? _cached;

    private sealed record CachedToken(string Value, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAt);

    public async ValueTask<string?> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var seen = _cached;
        if (!forceRefresh && seen is not null && time.GetUtcNow() < seen.RefreshAt)
        {
            return seen.Value;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = _cached;
            var now = time.GetUtcNow();
            // Someone else fetched while this caller waited (single flight), or the cached token is still fresh.
            if (current is not null && now < current.RefreshAt && (!forceRefresh || !ReferenceEquals(current, seen)))
            {
                return current.Value;
            }
            try
            {
                var fresh = await RequestAsync(cancellationToken);
                _cached = fresh;
                return fresh.Value;
            }
            catch (OutboundTokenException exception) when (!forceRefresh && current is not null && now < current.ExpiresAt)
            {
                // An early refresh failed but the token in hand is still valid: use it and try again next call.
                LogEarlyRefreshFailed(logger, exception, exception.StatusCode is { } status ? (int)status : 0, exception.Error);
                return current.Value;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<CachedToken> RequestAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var bot = identity.Value;
        var endpoint = settings.ResolveEndpoint(bot.MicrosoftAppTenantId);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "client_credentials"),
                new("client_id", bot.MicrosoftAppId ?? string.Empty),
                new("client_secret", bot.MicrosoftAppPassword ?? string.Empty),
                new("scope", settings.Scope),
            ]),
        };
        var client = httpClients.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new OutboundTokenException(null, null, $"The token endpoint {endpoint} could not be reached: {exception.Message}", exception);
        }
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            TokenResponse? token = null;
            try
            {
                token = body.Length == 0 ? null : JsonSerializer.Deserialize(body, TokenJsonContext.Default.TokenResponse);
            }
            catch (JsonException)
            {
                // reported below
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new OutboundTokenException(response.StatusCode, token?.Error,
                    $"The token endpoint {endpoint} answered {(int)response.StatusCode}: {token?.Error ?? response.ReasonPhrase} {token?.ErrorDescription}".TrimEnd());
            }
            if (token?.AccessToken is not { Length: > 0 } value)
            {
                throw new OutboundTokenException(response.StatusCode, null, $"The token endpoint {endpoint} answered without an access_token.");
            }
            var now = time.GetUtcNow();
            var lifetime = TimeSpan.FromSeconds(Math.Clamp(token.ExpiresIn ?? 3600, 0, 86_400));
            var expiresAt = now + lifetime;
            // Refresh early, but never sooner than halfway through a short-lived token.
            var early = settings.RefreshBeforeExpiry < lifetime / 2 ? settings.RefreshBeforeExpiry : lifetime / 2;
            LogTokenAcquired(logger, expiresAt);
            return new CachedToken(value, expiresAt, expiresAt - early);
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(EventId = 1220, Level = LogLevel.Information, Message = "Outbound token acquired, expires {ExpiresAt}")]
    private static partial void LogTokenAcquired(ILogger logger, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1221, Level = LogLevel.Warning, Message = "Early outbound token refresh failed ({Status} {Error}); the current token is still valid")]
    private static partial void LogEarlyRefreshFailed(ILogger logger, Exception exception, int status, string? error);
}

internal sealed record TokenResponse
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; init; }

    [JsonPropertyName("token_type")]
    public string? TokenType { get; init; }

    [JsonPropertyName("expires_in")]
    public long? ExpiresIn { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("error_description")]
    public string? ErrorDescription { get; init; }
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(TokenResponse))]
internal sealed partial class TokenJsonContext : JsonSerializerContext;
