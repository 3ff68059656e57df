using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Support;

/// <summary>
/// The real bot in process, on a private in-memory SQLite database and fake time. Extra configuration and service
/// overrides per test class.
/// </summary>
public class BotFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Action<IServiceCollection>> _services = [];
    private readonly List<string> _postgresSchemas = [];

    public BotFactory()
    {
        _settings["Storage:SqliteConnectionString"] = $"Data Source=test-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        var keys = new[] { ("admin", AdminApiKey, "admin", null), ("supervisor", SupervisorApiKey, "supervisor", null), ("alex", AgentApiKey, "agent", AgentId) };
        for (var i = 0; i < keys.Length; i++)
        {
            _settings[$"Access:ApiKeys:{i}:Name"] = keys[i].Item1;
            _settings[$"Access:ApiKeys:{i}:Key"] = keys[i].Item2;
            _settings[$"Access:ApiKeys:{i}:Role"] = keys[i].Item3;
            _settings[$"Access:ApiKeys:{i}:AgentId"] = keys[i].Item4;
        }
    }

    public const string AdminApiKey = "test-admin-key-0123456789";
    public const string SupervisorApiKey = "test-supervisor-key-0123456789";
    public const string AgentApiKey = "test-agent-key-0123456789";
    public const string AgentId = "agent-alex";

    /// <summary>Fake time (a <see cref="FakeTimeProvider"/>) that also reports when the bot starts waiting on a timer.</summary>
    public TimerWatchingTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));

    /// <summary>No access configured (the embedded defaults: the console makes sign-in keys at start-up).</summary>
    public BotFactory WithoutAccess()
    {
        foreach (var key in _settings.Keys.Where(k => k.StartsWith("Access:", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            _settings.Remove(key);
        }
        return this;
    }

    /// <summary>
    /// The bot on PostgreSQL (<c>Storage:Provider=Postgres</c>): a new schema on the throwaway cluster eng/test.sh starts,
    /// dropped when this factory is disposed. Fails the test when no cluster is there.
    /// </summary>
    public BotFactory OnPostgres()
    {
        var (schema, connectionString) = Storage.Contracts.PostgresTestDatabase.CreateSchema();
        _postgresSchemas.Add(schema);
        return With("Storage:Provider", "Postgres").With("ConnectionStrings:Postgres", connectionString)
            .With("DirectLine:Secret", _settings.TryGetValue("DirectLine:Secret", out var secret) && secret is { Length: > 0 } ? secret : "postgres-test-secret-0123456789");
    }

    /// <summary>
    /// The bot on an existing PostgreSQL schema (<paramref name="connectionString"/> names it in its search path), as one
    /// of several instances of one deployment; the caller creates and drops the schema.
    /// </summary>
    public BotFactory OnSharedPostgres(string connectionString, string instanceName) =>
        With("Storage:Provider", "Postgres").With("ConnectionStrings:Postgres", connectionString)
            .With("Storage:Postgres:InstanceName", instanceName).With("DirectLine:Secret", "postgres-test-secret-0123456789");

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        DropPostgresSchemas();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        DropPostgresSchemas();
    }

    private void DropPostgresSchemas()
    {
        foreach (var schema in _postgresSchemas)
        {
            Storage.Contracts.PostgresTestDatabase.DropSchema(schema);
        }
        _postgresSchemas.Clear();
    }

    public BotFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public BotFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
            foreach (var configure in _services)
            {
                configure(services);
            }
        });
    }

    /// <summary>
    /// Starts a copy of this configuration expecting it to fail, and returns why. When start-up fails,
    /// WebApplicationFactory can race the failing entry point and report only that the service provider was disposed;
    /// such attempts are retried on a fresh copy so the test sees the real error.
    /// </summary>
    public Exception StartupFailure()
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var copy = new BotFactory();
            foreach (var (key, value) in _settings)
            {
                copy._settings[key] = value;
            }
            copy._services.AddRange(_services);
            try
            {
                _ = copy.Services;
                copy.CreateClient().Dispose();
                return new InvalidOperationException("The bot started although it was expected to fail.");
            }
            catch (ObjectDisposedException disposed)
            {
                last = disposed;
            }
            catch (Exception exception)
            {
                return exception;
            }
        }
        return last!;
    }
}


/// <summary>A <see cref="BotFactory"/> on PostgreSQL (<see cref="BotFactory.OnPostgres"/>), for class fixtures.</summary>
public sealed class PostgresBotFactory : BotFactory
{
    public PostgresBotFactory() => OnPostgres();
}
