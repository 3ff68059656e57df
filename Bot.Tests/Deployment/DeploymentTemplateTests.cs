using System.Reflection;
using System.Text.RegularExpressions;
using HandoffBot.Hosting;
using HandoffBot.Telemetry;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Deployment;

/// <summary>
/// The Web App settings the templates write (deploymentTemplates/modules/webApp.bicep) against the bot: each is a key
/// the bot reads, and each secret is a Key Vault reference, never a value.
/// </summary>
public sealed partial class DeploymentTemplateTests
{
    // Read by the host or the platform rather than by an options class of the bot; connection strings by GetConnectionString.
    private static readonly HashSet<string> HostKeys = ["Urls", TelemetryOptions.AzureMonitorKey, $"ConnectionStrings__{HandoffBot.Storage.Postgres.PostgresOptions.ConnectionStringName}"];

    // Written for features not in the bot yet (none today).
    private static readonly HashSet<string> PendingKeys = [];

    [GeneratedRegex(@"\{ name: '(?<name>[^']+)', value: (?<value>.+) \}")]
    private static partial Regex Setting();

    private static List<(string Name, string Value)> Settings()
    {
        var bicep = File.ReadAllText(Path.Combine(LiveBot.RepositoryRoot(), "deploymentTemplates", "modules", "webApp.bicep"));
        return [.. Setting().Matches(bicep).Select(m => (m.Groups["name"].Value, m.Groups["value"].Value))];
    }

    /// <summary>The options class bound at <paramref name="section"/> (a <c>Section</c> constant), or the root identity options.</summary>
    private static Type? OptionsFor(string section) => section.Length == 0
        ? typeof(BotIdentityOptions)
        : typeof(BotIdentityOptions).Assembly.GetTypes().FirstOrDefault(t =>
            t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field && (string?)field.GetRawConstantValue() == section);

    private static bool IsBound(string key)
    {
        var path = key.Split("__");
        var (type, rest) = path.Length == 1 ? (OptionsFor(string.Empty), path) : (OptionsFor(path[0]), path[1..]);
        foreach (var segment in rest)
        {
            type = type?.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
        }
        return type is not null;
    }

    [Fact]
    public void EveryAppSettingTheTemplatesWriteIsAKeyTheBotReads()
    {
        var settings = Settings();
        Assert.True(settings.Count >= 10, $"read {settings.Count} settings from webApp.bicep");
        var unknown = settings.Select(s => s.Name).Where(n => !HostKeys.Contains(n) && !PendingKeys.Contains(n) && !IsBound(n)).ToList();
        Assert.True(unknown.Count == 0, "settings the bot does not read: " + string.Join(", ", unknown));
        Assert.All(PendingKeys, key => Assert.False(IsBound(key), $"{key} is bound now: remove it from the pending keys"));
    }

    [Fact]
    public void EverySecretSettingIsAKeyVaultReference()
    {
        var secrets = Settings().Where(s => SecretWords.Any(w => s.Name.Contains(w, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.Contains(secrets, s => s.Name == "MicrosoftAppPassword");
        Assert.Contains(secrets, s => s.Name == "DirectLine__Secret");
        Assert.All(secrets, s => Assert.StartsWith("'${kvRef}", s.Value, StringComparison.Ordinal));
    }

    private static readonly string[] SecretWords = ["password", "secret", "key", "connection"];
}
