using Microsoft.Extensions.Options;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// This instance's lease in <c>storage_instance</c>: renewed every third of <see cref="PostgresOptions.InstanceLease"/>.
/// An instance whose lease ran out is dead to the others: the outbox rows it had in flight are claimed by whoever
/// claims next (<see cref="PostgresHandoffOutbox.ClaimDueAsync"/>), and its inbox items not done by the next live instance
/// to check (<see cref="PostgresInboxTakeover"/>).
/// </summary>
internal sealed class PostgresInstanceHeartbeat(PostgresDatabase database, IOptions<PostgresOptions> options, TimeProvider time) : IInstanceHeartbeat
{
    internal sealed class Schema() : PostgresSchema("storage_instance", """
        CREATE TABLE storage_instance (
            name        text PRIMARY KEY,
            started_at  timestamptz NOT NULL,
            alive_until timestamptz NOT NULL
        );
        """);

    public TimeSpan? Interval => options.Value.InstanceLease / 3;

    public Task BeatAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(session => session.ExecuteAsync("""
            INSERT INTO storage_instance (name, started_at, alive_until) VALUES (@name, @now, @until)
            ON CONFLICT (name) DO UPDATE SET alive_until = excluded.alive_until
            """, ("name", database.InstanceName), ("now", PostgresTime.ToDb(now)), ("until", PostgresTime.ToDb(now + options.Value.InstanceLease))), cancellationToken);
    }
}
