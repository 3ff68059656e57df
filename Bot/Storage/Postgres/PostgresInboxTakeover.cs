using Microsoft.Extensions.Options;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// Takes over the inbox items of dead instances: the items not done whose <c>claimed_by</c> names an instance whose
/// lease (<c>storage_instance.alive_until</c>, <see cref="PostgresInstanceHeartbeat"/>) ran out, the same rule as the
/// outbox's takeover. One statement re-claims them for this instance under <see cref="PostgresInboxStore.ClaimLock"/>,
/// so two instances checking at once take turns: the first takes every such item (whole conversations, in order), the
/// second finds them claimed by a live instance and takes nothing. Checked every third of
/// <see cref="PostgresOptions.InstanceLease"/>, so a dead instance's items are taken at most about 4/3 of the lease
/// after its last heartbeat.
/// </summary>
internal sealed class PostgresInboxTakeover(PostgresDatabase database, IOptions<PostgresOptions> options, TimeProvider time) : IInboxTakeover
{
    public TimeSpan? Interval => options.Value.InstanceLease / 3;

    public Task<IReadOnlyList<InboxItem>> TakeOverAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(async session =>
        {
            await session.LockAsync(PostgresInboxStore.ClaimLock);
            await using var command = session.Command("""
                UPDATE inbox SET claimed_by = @instance
                WHERE done_at IS NULL
                  AND claimed_by IN (SELECT name FROM storage_instance WHERE alive_until < @now AND name <> @instance)
                RETURNING id, json, traceparent
                """)
                .WithTime("now", now).With("instance", database.InstanceName);
            var items = await command.ListAsync(PostgresInboxStore.ReadItem, cancellationToken);
            return await PostgresInboxStore.WithRepliesAsync(session, [.. items.OrderBy(i => i.Id)]);
        }, cancellationToken);
    }
}
