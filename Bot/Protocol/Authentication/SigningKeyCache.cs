using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace HandoffBot.Protocol.Authentication;

/// <summary>A signing key and the channels it is endorsed for (Bot Framework keys list them; Entra keys do not).</summary>
public sealed record EndorsedKey(string KeyId, SecurityKey Key, IReadOnlySet<string> Endorsements);

/// <summary>
/// The signing keys of one OpenID metadata document: fetched on first use, again after the refresh interval,
/// and again (throttled) when a token names a key id we do not know, so key rotation is picked up at once.
/// </summary>
public sealed partial class SigningKeyCache(
    HttpClient http, string metadataUrl, TimeSpan refreshInterval, TimeSpan unknownKeyRefreshInterval, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private volatile Snapshot? _snapshot;
    private DateTimeOffset _lastForcedRefresh = DateTimeOffset.MinValue;

    private sealed record Snapshot(IReadOnlyDictionary<string, EndorsedKey> Keys, DateTimeOffset FetchedAt);

    public string MetadataUrl => metadataUrl;

    /// <summary>All current keys (for tokens without a key id).</summary>
    public async Task<IReadOnlyCollection<EndorsedKey>> GetKeysAsync(CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken)).Keys.Values.ToList();

    /// <summary>The key with <paramref name="keyId"/>, refreshing once (throttled) when it is unknown.</summary>
    public async Task<EndorsedKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var snapshot = await CurrentAsync(cancellationToken);
        if (snapshot.Keys.TryGetValue(keyId, out var key))
        {
            return key;
        }
        var now = time.GetUtcNow();
        if (now - _lastForcedRefresh < unknownKeyRefreshInterval)
        {
            return null;
        }
        snapshot = await RefreshAsync(snapshot, force: true, cancellationToken);
        return snapshot.Keys.GetValueOrDefault(keyId);
    }

    private async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && time.GetUtcNow() - snapshot.FetchedAt < refreshInterval)
        {
            return snapshot;
        }
        return await RefreshAsync(snapshot, force: false, cancellationToken);
    }

    private async Task<Snapshot> RefreshAsync(Snapshot? seen, bool force, CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            if (!ReferenceEquals(_snapshot, seen) && _snapshot is { } newer)
            {
                return newer; // someone else refreshed while we waited
            }
            if (force)
            {
                _lastForcedRefresh = time.GetUtcNow();
            }
            try
            {
                var fresh = new Snapshot(await FetchAsync(cancellationToken), time.GetUtcNow());
                _snapshot = fresh;
                LogKeysFetched(logger, fresh.Keys.Count, metadataUrl);
                return fresh;
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException or InvalidDataException && seen is not null)
            {
                // Keep using the keys we have rather than failing every request while the metadata endpoint is down.
                LogRefreshFailed(logger, exception, metadataUrl);
                return seen!;
            }
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private async Task<IReadOnlyDictionary<string, EndorsedKey>> FetchAsync(CancellationToken cancellationToken)
    {
        using var metadata = JsonDocument.Parse(await http.GetStringAsync(new Uri(metadataUrl), cancellationToken));
        var jwksUri = metadata.RootElement.TryGetProperty("jwks_uri", out var uri) && uri.ValueKind == JsonValueKind.String
            ? uri.GetString()!
            : throw new InvalidDataException($"OpenID metadata at {metadataUrl} has no jwks_uri.");
        using var jwks = JsonDocument.Parse(await http.GetStringAsync(new Uri(jwksUri), cancellationToken));
        var keys = new Dictionary<string, EndorsedKey>(StringComparer.Ordinal);
        if (!jwks.RootElement.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"The key set at {jwksUri} has no keys.");
        }
        foreach (var element in list.EnumerateArray())
        {
            if (!element.TryGetProperty("kid", out var kid) || kid.GetString() is not { Length: > 0 } keyId)
            {
                continue;
            }
            var endorsements = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (element.TryGetProperty("endorsements", out var endorsed) && endorsed.ValueKind == JsonValueKind.Array)
            {
                foreach (var channel in endorsed.EnumerateArray())
                {
                    if (channel.GetString() is { } name)
                    {
                        endorsements.Add(name);
                    }
                }
            }
            keys[keyId] = new EndorsedKey(keyId, new JsonWebKey(element.GetRawText()), endorsements);
        }
        return keys;
    }

    public void Dispose() => _refreshLock.Dispose();

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Fetched {Count} signing keys from {MetadataUrl}")]
    private static partial void LogKeysFetched(ILogger logger, int count, string metadataUrl);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Could not refresh signing keys from {MetadataUrl}; keeping the previous keys")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, string metadataUrl);
}
