using HandoffBot.Routing;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Routing;

public sealed class AgentDirectoryTests
{
    [Fact]
    public async Task TheConfiguredAgentsAreSeededWithTheirSkillsAndCapacity()
    {
        await using var factory = new BotFactory();
        var directory = factory.Services.GetRequiredService<IAgentDirectory>();

        var agents = await directory.ListAsync(CancellationToken.None);

        Assert.Equal(["alex", "priya", "sam"], agents.Select(a => a.Id.Value));
        var alex = agents[0];
        Assert.Equal("Alex", alex.Name);
        Assert.Equal(5, alex.Skills.Single(s => s.Skill == "billing").Proficiency);
        Assert.Equal(1, alex.CapacityPerChannel["sms"]);
        Assert.Equal(3, alex.CapacityPerChannel["*"]);
        Assert.Equal(AgentPresence.Available, alex.Presence);
    }

    [Fact]
    public async Task AnAgentIsFoundByTheirHubUserId()
    {
        await using var factory = new BotFactory();
        var directory = factory.Services.GetRequiredService<IAgentDirectory>();

        Assert.Equal("sam", (await directory.FindByHubUserAsync("agent-sam", CancellationToken.None))?.Id.Value);
        Assert.Null(await directory.FindByHubUserAsync("somebody-else", CancellationToken.None));
    }

    [Fact]
    public async Task PresenceIsPersistedAndStampedWithTheTime()
    {
        await using var factory = new BotFactory();
        var directory = factory.Services.GetRequiredService<IAgentDirectory>();
        factory.Time.Advance(TimeSpan.FromMinutes(7));

        var away = await directory.SetPresenceAsync(new AgentId("priya"), AgentPresence.Away, CancellationToken.None);

        Assert.Equal(AgentPresence.Away, away!.Presence);
        Assert.Equal(factory.Time.GetUtcNow(), away.PresenceChangedAt);
        Assert.Equal(AgentPresence.Away, (await directory.GetAsync(new AgentId("priya"), CancellationToken.None))!.Presence);
        Assert.Null(await directory.SetPresenceAsync(new AgentId("nobody"), AgentPresence.Away, CancellationToken.None));
    }

    [Fact]
    public async Task WorkingHoursRoundTripThroughTheTable()
    {
        await using var factory = new BotFactory()
            .With("Routing:Agents:2:WorkingHours:TimeZone", "Asia/Kolkata")
            .With("Routing:Agents:2:WorkingHours:Start", "09:00")
            .With("Routing:Agents:2:WorkingHours:End", "18:00")
            .With("Routing:Agents:2:WorkingHours:Days:0", "Monday")
            .With("Routing:Agents:2:WorkingHours:Days:1", "Tuesday");
        var directory = factory.Services.GetRequiredService<IAgentDirectory>();

        var priya = (await directory.GetAsync(new AgentId("priya"), CancellationToken.None))!;

        Assert.Equal(new TimeOnly(9, 0), priya.Hours!.Start);
        Assert.Equal([DayOfWeek.Monday, DayOfWeek.Tuesday], priya.Hours.Days);
        var engine = factory.Services.GetRequiredService<IRoutingEngine>();
        engine.UpsertAgent(priya.ToRoutable());
        // 09:00 UTC on a Tuesday is 14:30 in Kolkata.
        Assert.True(engine.HasQualifiedAgent("legal", "webchat", factory.Time.GetUtcNow(), TimeSpan.Zero));
    }

    [Fact]
    public async Task TheEngineIsASingletonUsingTheConfiguredPolicy()
    {
        await using var factory = new BotFactory().With("Routing:Policy", "LongestIdle");
        var engine = factory.Services.GetRequiredService<IRoutingEngine>();

        Assert.Same(engine, factory.Services.GetRequiredService<IRoutingEngine>());
        Assert.Equal("LongestIdle", Assert.IsType<RoutingEngine>(engine).PolicyName);
    }

    [Fact]
    public async Task AQueueTakesItsPolicyFromConfiguration()
    {
        await using var factory = new BotFactory().With("Routing:Queues:fraud:Policy", "RoundRobin");
        var engine = Assert.IsType<RoutingEngine>(factory.Services.GetRequiredService<IRoutingEngine>());

        Assert.Equal(("RoundRobin", "LeastBusy"), (engine.PolicyFor("fraud"), engine.PolicyFor("billing")));
    }

    [Theory]
    [InlineData("Routing:Policy", "Fastest", "Routing:Policy 'Fastest' is not a known routing policy. Known policies: LeastBusy, LongestIdle, RoundRobin.")]
    [InlineData("Routing:Queues:fraud:Policy", "Fastest", "Routing:Queues:fraud:Policy 'Fastest' is not a known routing policy. Known policies: LeastBusy, LongestIdle, RoundRobin.")]
    [InlineData("Routing:AgingStep", "00:00:00", "Routing:AgingStep must be a positive duration")]
    [InlineData("Routing:Agents:0:Skills:billing", "7", "Routing:Agents:0:Skills:billing must be a proficiency from 1 to 5, not 7.")]
    [InlineData("Routing:Agents:1:WorkingHours:TimeZone", "Mars/Olympus", "Routing:Agents:1:WorkingHours:TimeZone 'Mars/Olympus' is not a known IANA time zone id")]
    [InlineData("Routing:Queues:fraud:Skill", "", "Routing:Queues:fraud:Skill is required.")]
    [InlineData("Routing:Agents:2:Id", "alex", "Routing:Agents:2:Id 'alex' is used by more than one agent.")]
    [InlineData("Routing:Agents:3:Id", "lena", "Routing:Agents:3:CapacityPerChannel must give at least one capacity")]
    [InlineData("Routing:DefaultLanguage", "english", "Routing:DefaultLanguage 'english' is not a language tag (e.g. en, de-DE).")]
    [InlineData("Routing:Agents:0:Skills:language-german", "5", "Routing:Agents:0:Skills:language-german is not a language skill of the form language-xx (e.g. language-de).")]
    public void BadRoutingConfigurationStopsTheStartWithAClearMessage(string key, string value, string message)
    {
        using var factory = new BotFactory().With(key, value);

        var error = Assert.IsType<OptionsValidationException>(factory.StartupFailure());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
