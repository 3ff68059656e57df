using System.Security.Claims;
using HandoffBot.Hosting.Access;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Storage.Postgres;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>What readers of <see cref="IAccessAudit"/> rely on: who did what and when, newest first, by time range.</summary>
public abstract class AccessAuditContract : StoreContract<IAccessAudit>
{
    private static ClaimsPrincipal User(string name, params string[] roles) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], "test"));

    private async Task RecordAtAsync(TimeSpan after, string resource, bool allowed = true)
    {
        Time.SetUtcNow(Start + after);
        await Store.RecordAsync(User("ana", AccessRoles.Agent), "transcript.read", resource, allowed, None);
    }

    [Fact]
    public async Task AnEntryKeepsWhoWhatWhetherAndWhenToTheMicrosecond()
    {
        await Store.RecordAsync(User("sam", AccessRoles.Agent, AccessRoles.Supervisor), "transcript.read", "conv-1", allowed: false, None);

        var entry = Assert.Single(await Store.ReadAsync(10, None));

        Assert.Equal(new AccessAuditEntry(ToMicroseconds(Start), "sam", AccessRoles.Supervisor, "transcript.read", "conv-1", false), entry);
        Assert.Equal(TimeSpan.Zero, entry.At.Offset);
    }

    [Fact]
    public async Task AnAnonymousCallerIsRecordedAsSuch()
    {
        await Store.RecordAsync(new ClaimsPrincipal(new ClaimsIdentity()), "transcript.read", "conv-1", allowed: false, None);

        var entry = Assert.Single(await Store.ReadAsync(10, None));
        Assert.Equal(("(anonymous)", "(none)"), (entry.Principal, entry.Role));
    }

    [Fact]
    public async Task TheNewestEntriesComeFirstUpToTheLimit()
    {
        for (var i = 1; i <= 5; i++)
        {
            await RecordAtAsync(TimeSpan.FromMinutes(i), $"conv-{i}");
        }

        Assert.Equal(["conv-5", "conv-4", "conv-3"], (await Store.ReadAsync(3, None)).Select(e => e.Resource));
    }

    [Fact]
    public async Task ARangeIncludesItsStartAndExcludesItsEnd()
    {
        for (var i = 0; i < 4; i++)
        {
            await RecordAtAsync(TimeSpan.FromHours(i), $"conv-{i}");
        }

        var entries = await Store.ReadRangeAsync(Start + TimeSpan.FromHours(1), Start + TimeSpan.FromHours(3), 100, None);

        Assert.Equal(["conv-2", "conv-1"], entries.Select(e => e.Resource));
    }

    [Fact]
    public async Task ARangeComparesInstantsNotTheirWritingAcrossOffsets()
    {
        await RecordAtAsync(TimeSpan.Zero, "at-start");
        var sameInstantInTokyo = Start.ToOffset(TimeSpan.FromHours(9));

        var entries = await Store.ReadRangeAsync(sameInstantInTokyo.AddTicks(-TimeSpan.TicksPerMicrosecond), sameInstantInTokyo.AddMinutes(1), 100, None);

        Assert.Equal(["at-start"], entries.Select(e => e.Resource));
    }
}

public sealed class SqliteAccessAuditTests : AccessAuditContract
{
    protected override Task<IAccessAudit> CreateStoreAsync(TimeProvider time) =>
        Task.FromResult<IAccessAudit>(new SqliteAccessAudit(Owns(SqliteTestDatabase.Create(time, new SqliteAccessAudit.Schema())).Database, time));
}

public sealed class PostgresAccessAuditTests : AccessAuditContract
{
    protected override async Task<IAccessAudit> CreateStoreAsync(TimeProvider time) =>
        new PostgresAccessAudit(Owns(await PostgresTestDatabase.CreateAsync(time, new PostgresAccessAudit.Schema())).Database, time);
}
