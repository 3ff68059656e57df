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
    /// Connections this instance may hold (Npgsql's pool). Sized for small managed servers: the smallest Azure
    /// flexible server allows 35 user connections, so two instances of 15 leave room for migrations and tools.
    /// </summary>
    [Range(2, 1000)]
    public int MaxPoolSize { get; set; } = 15;

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
}

/// <summary>With <c>Storage:Provider=Postgres</c>: a connection string is configured, parses, and names a host.</summary>
internal sealed class PostgresOptionsValidator(IOptions<StorageOptions> storage) : IValidateOptions<PostgresOptions>
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
