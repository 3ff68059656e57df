namespace HandoffBot.Routing;

/// <summary>
/// Which instance makes routing decisions (offers, offer timeouts, giving up on waits, position updates): exactly one
/// at a time. The others still take customer turns and write handoff transitions; the owner learns of them from the
/// store. SQLite: one process, always the owner. PostgreSQL: a session advisory lock on a dedicated connection.
/// </summary>
public interface IRoutingOwnership
{
    /// <summary>How often <see cref="CheckAsync"/> runs; null: a single instance that is always the owner.</summary>
    TimeSpan? CheckInterval { get; }

    /// <summary>True while this instance holds ownership (as of the last <see cref="CheckAsync"/>).</summary>
    bool IsOwner { get; }

    /// <summary>
    /// The term of this instance's ownership: it grows at every takeover by any instance, so a change means this one
    /// was not the owner for a while (another may have decided meanwhile) and its engine must be rebuilt from the
    /// store. The owner's decisions carry it (<c>IHandoffStore.TryOwnerTransitionAsync</c>) and are refused once a
    /// later term began.
    /// </summary>
    long Term { get; }

    /// <summary>
    /// Keeps ownership (the owner's connection still answers) or tries to take it (nobody holds it): the new
    /// <see cref="IsOwner"/>. A failure to reach the database ends ownership and is not thrown.
    /// </summary>
    Task<bool> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>One process on an embedded database: always the owner, nothing to check.</summary>
internal sealed class SingleInstanceRoutingOwnership : IRoutingOwnership
{
    public TimeSpan? CheckInterval => null;

    public bool IsOwner => true;

    public long Term => 1;

    public Task<bool> CheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
