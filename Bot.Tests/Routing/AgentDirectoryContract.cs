using HandoffBot.Routing;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Routing;

/// <summary>
/// What every <see cref="IAgentDirectory"/> provider must do (SQLite today, PostgreSQL later): seed the configured
/// roster, with configuration the source of truth for profiles, and keep presence across restarts.
/// </summary>
public abstract class AgentDirectoryContract
{
    protected FakeTimeProvider Time { get; } = new(RoutingFixture.T0);

    /// <summary>A directory over this test's store as a process would start it, with <paramref name="roster"/> configured.</summary>
    protected abstract IAgentDirectory Start(params RoutingAgentOptions[] roster);

    [Fact]
    public async Task TheRosterIsSeededWithProfilesInIdOrder()
    {
        var directory = Start(Sam(), Alex());

        var agents = await directory.ListAsync(CancellationToken.None);

        Assert.Equal(["alex", "sam"], agents.Select(a => a.Id.Value));
        var alex = agents[0];
        Assert.Equal(("Alex", "hub-alex", AgentPresence.Available, RoutingFixture.T0), (alex.Name, alex.HubUserId, alex.Presence, alex.PresenceChangedAt));
        Assert.Equal([("billing", 5), ("general", 4)], alex.Skills.Select(s => (s.Skill, s.Proficiency)).Order());
        Assert.Equal((3, 1), (alex.CapacityPerChannel["*"], alex.CapacityPerChannel["SMS"]));
        Assert.Equal(("Europe/London", new TimeOnly(8, 30), new TimeOnly(17, 0)), (alex.Hours!.TimeZone, alex.Hours.Start, alex.Hours.End));
        Assert.Equal([DayOfWeek.Monday, DayOfWeek.Friday], alex.Hours.Days);
        Assert.Null(agents[1].Hours);
    }

    [Fact]
    public async Task AnAgentIsFoundByIdOrHubUser()
    {
        var directory = Start(Alex(), Sam());

        Assert.Equal("sam", (await directory.GetAsync(new AgentId("sam"), CancellationToken.None))?.Name.ToLowerInvariant());
        Assert.Equal("alex", (await directory.FindByHubUserAsync("hub-alex", CancellationToken.None))?.Id.Value);
        Assert.Null(await directory.GetAsync(new AgentId("nobody"), CancellationToken.None));
        Assert.Null(await directory.FindByHubUserAsync("hub-nobody", CancellationToken.None));
        Assert.Null(await directory.FindByHubUserAsync("", CancellationToken.None));
    }

    [Fact]
    public async Task APresenceChangeIsStampedWithTheTimeAndReadBack()
    {
        var directory = Start(Alex());
        Time.Advance(TimeSpan.FromMinutes(7));

        var away = await directory.SetPresenceAsync(new AgentId("alex"), AgentPresence.Away, CancellationToken.None);

        Assert.Equal((AgentPresence.Away, RoutingFixture.T0.AddMinutes(7)), (away!.Presence, away.PresenceChangedAt));
        var read = (await directory.GetAsync(new AgentId("alex"), CancellationToken.None))!;
        Assert.Equal((AgentPresence.Away, RoutingFixture.T0.AddMinutes(7)), (read.Presence, read.PresenceChangedAt));
    }

    [Fact]
    public async Task AnUnknownAgentOrPresenceChangesNothing()
    {
        var directory = Start(Alex());

        Assert.Null(await directory.SetPresenceAsync(new AgentId("nobody"), AgentPresence.Away, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => directory.SetPresenceAsync(new AgentId("alex"), (AgentPresence)7, CancellationToken.None));
        Assert.Equal(AgentPresence.Available, (await directory.GetAsync(new AgentId("alex"), CancellationToken.None))!.Presence);
    }

    [Fact]
    public async Task ACapacityChangeAppliesToEveryChannelUntilConfigurationSeedsTheRosterAgain()
    {
        var directory = Start(Alex());

        var changed = await directory.SetCapacityAsync(new AgentId("alex"), 5, CancellationToken.None);

        Assert.Equal([new KeyValuePair<string, int>("*", 5)], changed!.CapacityPerChannel);
        Assert.Equal([new KeyValuePair<string, int>("*", 5)], (await directory.GetAsync(new AgentId("alex"), CancellationToken.None))!.CapacityPerChannel);
        Assert.Null(await directory.SetCapacityAsync(new AgentId("nobody"), 5, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => directory.SetCapacityAsync(new AgentId("alex"), -1, CancellationToken.None));
        var seeded = (await Start(Alex()).GetAsync(new AgentId("alex"), CancellationToken.None))!;
        Assert.Equal((3, 1), (seeded.CapacityPerChannel["*"], seeded.CapacityPerChannel["sms"]));
    }

    [Fact]
    public async Task PresenceSurvivesARestartWhileConfigurationWinsForProfiles()
    {
        var first = Start(Alex(), Sam());
        Time.Advance(TimeSpan.FromMinutes(3));
        await first.SetPresenceAsync(new AgentId("alex"), AgentPresence.Away, CancellationToken.None);
        Time.Advance(TimeSpan.FromHours(1));

        var renamed = Alex();
        renamed.Name = "Alexandra";
        renamed.Skills = new(StringComparer.OrdinalIgnoreCase) { ["fraud"] = 2 };
        var priya = new RoutingAgentOptions { Id = "priya", Name = "Priya", HubUserId = "hub-priya", Skills = { ["legal"] = 5 }, Presence = AgentPresence.Offline };
        var restarted = Start(renamed, priya);
        var agents = await restarted.ListAsync(CancellationToken.None);

        Assert.Equal(["alex", "priya"], agents.Select(a => a.Id.Value)); // sam is no longer configured
        Assert.Equal(("Alexandra", AgentPresence.Away, RoutingFixture.T0.AddMinutes(3)), (agents[0].Name, agents[0].Presence, agents[0].PresenceChangedAt));
        Assert.Equal([new AgentSkill("fraud", 2)], agents[0].Skills);
        Assert.Equal((AgentPresence.Offline, RoutingFixture.T0.AddHours(1).AddMinutes(3)), (agents[1].Presence, agents[1].PresenceChangedAt));
    }

    private static RoutingAgentOptions Alex() => new()
    {
        Id = "alex",
        Name = "Alex",
        HubUserId = "hub-alex",
        Skills = new(StringComparer.OrdinalIgnoreCase) { ["general"] = 4, ["billing"] = 5 },
        CapacityPerChannel = new(StringComparer.OrdinalIgnoreCase) { ["*"] = 3, ["sms"] = 1 },
        WorkingHours = new WorkingHoursOptions { TimeZone = "Europe/London", Start = new TimeOnly(8, 30), End = new TimeOnly(17, 0), Days = [DayOfWeek.Monday, DayOfWeek.Friday] },
    };

    private static RoutingAgentOptions Sam() => new()
    {
        Id = "sam",
        Name = "Sam",
        HubUserId = "hub-sam",
        Skills = new(StringComparer.OrdinalIgnoreCase) { ["fraud"] = 5 },
        CapacityPerChannel = new(StringComparer.OrdinalIgnoreCase) { ["*"] = 2 },
    };
}
