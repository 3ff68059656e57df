using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// The PostgreSQL provider (<c>Storage:Provider=Postgres</c>): the connection string comes from
/// <c>ConnectionStrings:Postgres</c>, the rest from <c>Storage:Postgres</c>. Validated at start-up only when the provider
/// is chosen (<see cref="PostgresOptionsValidator"/>).
/// </summary>
public sealed class PostgresOptions
{
    public const string Section = "Storage:Postgres";

    /// <summary>The name under <c>ConnectionStrings</c>.</summary>
    public const string ConnectionStringName = "Postgres";

    /// <summary>An Npgsql connection string (<c>Host=...;Database=...;Username=...;Password=...</c>); never in the repository.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Connections this instance uses for its reads and writes (Npgsql's pool). Each instance opens this many, plus
    /// <see cref="TurnLeaseConnections"/>, plus two direct sessions (the routing-ownership lock and the LISTEN
    /// connection): 18 with the defaults. The smallest Azure flexible server allows 35 user connections: two instances
    /// there need 8 here (2 x 16 = 32, room for an administrator and tools).
    /// </summary>
    [Range(2, 1000)]
    public int MaxPoolSize { get; set; } = 10;

    /// <summary>
    /// Connections that hold the per-conversation turn locks (a pool of their own, so a turn holding its lock never
    /// waits for a connection held by another lock holder): at most this many turns run at once in this instance, the
    /// rest wait for a lock connection.
    /// </summary>
    [Range(1, 1000)]
    public int TurnLeaseConnections { get; set; } = 6;

    /// <summary>How long one statement may run before it is cancelled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// This instance's name in the rows it claims (inbox items, outbox rows in flight): after a restart it takes back
    /// its own unfinished work and nobody else's. Distinct per instance; the host name by default (one per container).
    /// </summary>
    [Required]
    [StringLength(200, MinimumLength = 1)]
    public string InstanceName { get; set; } = Environment.MachineName;

    /// <summary>
    /// How long this instance counts as alive after its last heartbeat (renewed every third of it). When it runs out,
    /// another instance takes over the outbox rows this one had in flight and its accepted turns not yet committed
    /// (<see cref="PostgresInboxTakeover"/>, checked every third of it).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "01:00:00")]
    public TimeSpan InstanceLease { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// With <c>Storage:Provider=Postgres</c>: a connection string is configured, parses, and names a host; and
/// <c>DirectLine:Secret</c> is set, because tokens signed with a random per-process key fail on every other instance.
/// </summary>
internal sealed class PostgresOptionsValidator(IOptions<StorageOptions> storage, IOptions<HandoffBot.Hosting.DirectLine.DirectLineOptions> directLine) : IValidateOptions<PostgresOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        if (!storage.Value.UsesPostgres)
        {
            return ValidateOptionsResult.Success;
        }
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail($"Storage:Provider is 'Postgres' but ConnectionStrings:{PostgresOptions.ConnectionStringName} is not set.");
        }
        if (string.IsNullOrEmpty(directLine.Value.Secret))
        {
            return ValidateOptionsResult.Fail(
                "Storage:Provider is 'Postgres' but DirectLine:Secret is not set: Direct Line tokens would be signed with a random key of this process and refused by the other instances. Configure the same DirectLine:Secret on every instance.");
        }
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            return string.IsNullOrWhiteSpace(builder.Host)
                ? ValidateOptionsResult.Fail($"ConnectionStrings:{PostgresOptions.ConnectionStringName} names no Host.")
                : ValidateOptionsResult.Success;
        }
        catch (ArgumentException exception)
        {
            return ValidateOptionsResult.Fail($"ConnectionStrings:{PostgresOptions.ConnectionStringName} is not a valid Npgsql connection string: {exception.Message}");
        }
    }
}
