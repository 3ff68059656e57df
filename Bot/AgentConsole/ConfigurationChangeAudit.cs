using System.Security.Claims;
using HandoffBot.Hosting.Access;
using Microsoft.Extensions.Primitives;

namespace HandoffBot.AgentConsole;

/// <summary>
/// Audits configuration reloads: when the configuration is reloaded (a changed <c>appsettings.json</c>, a provider's
/// reload), every top-level section whose keys or values changed becomes an access-audit entry <c>config.reload</c>
/// on <c>configuration:{Section}</c>, naming the changed keys (never their values, which may be secrets). A reload
/// that changed nothing records nothing. The supervisor's audit log shows these under "configuration changes".
/// </summary>
public sealed partial class ConfigurationChangeAudit(IConfiguration configuration, IAccessAudit audit, ILogger<ConfigurationChangeAudit> logger) : IHostedService, IDisposable
{
    /// <summary>The action of a reload's audit entries (the supervisor view's "configuration" kind is every <c>config.*</c> action).</summary>
    public const string ReloadAction = "config.reload";

    private const int KeysNamed = 5;

    /// <summary>Who a reload is recorded as: the configuration itself, not a signed-in person.</summary>
    private static readonly ClaimsPrincipal Reloader = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "configuration reload")], "system"));

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<string, string?> _seen = [];
    private IDisposable? _subscription;

    /// <summary>The audit writes of the reloads so far, in order (each reload's entries after the previous reload's); never faults.</summary>
    public Task Recorded { get; private set; } = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _seen = Snapshot(configuration);
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, OnReload);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        // A host stopped again after its services were disposed (a test factory disposed twice) has nothing to stop.
        if (Volatile.Read(ref _disposed) == 0)
        {
            await _stopping.CancelAsync();
        }
        await Recorded.WaitAsync(cancellationToken);
    }

    private int _disposed;

    public void Dispose()
    {
        _subscription?.Dispose();
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Dispose();
        }
    }

    // Runs on the provider's reload, on its thread: the diff is cheap; the audit writes queue behind the previous reload's.
    private void OnReload()
    {
        var now = Snapshot(configuration);
        lock (_gate)
        {
            var changed = Changes(_seen, now);
            _seen = now;
            if (changed.Count > 0)
            {
                LogReloaded(logger, changed);
                Recorded = RecordAsync(Recorded, changed);
            }
        }
    }

    private async Task RecordAsync(Task previous, IReadOnlyList<string> resources)
    {
        await previous;
        foreach (var resource in resources)
        {
            try
            {
                await audit.RecordAsync(Reloader, ReloadAction, resource, allowed: true, _stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogAuditFailed(logger, resource, exception);
            }
        }
    }

    /// <summary>One resource per changed top-level section: <c>configuration:Routing (Routing:Agents:0:Capacity, ...)</c>.</summary>
    public static IReadOnlyList<string> Changes(IReadOnlyDictionary<string, string?> before, IReadOnlyDictionary<string, string?> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var keys = before.Keys.Union(after.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(key => !string.Equals(before.GetValueOrDefault(key), after.GetValueOrDefault(key), StringComparison.Ordinal));
        return [.. keys.GroupBy(key => key.Split(':')[0], StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g =>
            {
                var named = g.Order(StringComparer.OrdinalIgnoreCase).ToList();
                var list = string.Join(", ", named.Take(KeysNamed)) + (named.Count > KeysNamed ? $" and {named.Count - KeysNamed} more" : string.Empty);
                return $"configuration:{g.Key} ({list})";
            })];
    }

    // Leaf values only (a section's own entry is null), so a key and its section are never both reported.
    private static Dictionary<string, string?> Snapshot(IConfiguration configuration) =>
        configuration.AsEnumerable().Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);

    [LoggerMessage(EventId = 7400, Level = LogLevel.Information, Message = "Configuration reloaded; changed: {Changes}")]
    private static partial void LogReloaded(ILogger logger, IReadOnlyList<string> changes);

    [LoggerMessage(EventId = 7401, Level = LogLevel.Warning, Message = "Could not audit the configuration change {Resource}")]
    private static partial void LogAuditFailed(ILogger logger, string resource, Exception exception);
}
