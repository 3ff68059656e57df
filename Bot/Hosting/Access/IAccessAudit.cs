using System.Security.Claims;

namespace HandoffBot.Hosting.Access;

/// <summary>One access decision: who read (or tried to read) what, when, and whether it was allowed.</summary>
public sealed record AccessAuditEntry(DateTimeOffset At, string Principal, string Role, string Action, string Resource, bool Allowed)
{
    /// <summary>The entry for <paramref name="user"/>'s attempt: their name and their highest role.</summary>
    public static AccessAuditEntry For(ClaimsPrincipal user, string action, string resource, bool allowed, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(at, user.Identity?.Name ?? "(anonymous)", AccessRoles.All.LastOrDefault(user.IsInRole) ?? "(none)", action, resource, allowed);
    }
}

/// <summary>The audit log of reads of sensitive data (transcripts) and other access decisions. Entries are never changed.</summary>
public interface IAccessAudit
{
    Task RecordAsync(ClaimsPrincipal user, string action, string resource, bool allowed, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="limit"/> entries, newest first.</summary>
    Task<IReadOnlyList<AccessAuditEntry>> ReadAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Entries recorded at or after <paramref name="from"/> and before <paramref name="until"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AccessAuditEntry>> ReadRangeAsync(DateTimeOffset from, DateTimeOffset until, int limit, CancellationToken cancellationToken);
}
