using System.Reflection;
using HandoffBot.Hosting;
using Microsoft.Extensions.Logging;

namespace HandoffBot.Tests.Hosting;

/// <summary>Operators filter and alert on EventIds: each log event of the bot has its own, within its area's range.</summary>
public sealed class EventIdTests
{
    private static readonly List<(string Namespace, string Method, int EventId)> Events = [.. typeof(MessagesEndpoint).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
        .Where(e => e.Attribute is not null)
        .Select(e => (e.Method.DeclaringType!.Namespace ?? string.Empty, $"{e.Method.DeclaringType!.Name}.{e.Method.Name}", e.Attribute!.EventId))];

    [Fact]
    public void NoTwoLogEventsOfTheBotShareAnEventId()
    {
        // -1: no EventId given (the generator's default); not a shared id, though every event should have one.
        var shared = Events.Where(e => e.EventId != -1).GroupBy(e => e.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}").ToList();

        Assert.True(Events.Count > 20, "the test must see the bot's log events");
        Assert.True(shared.Count == 0, "EventIds used more than once: " + string.Join("; ", shared));
    }

    [Theory]
    [InlineData("HandoffBot.Escalation", 3000)]
    [InlineData("HandoffBot.Routing", 5000)]
    [InlineData("HandoffBot.Storage", 6000)]
    [InlineData("HandoffBot.AgentConsole", 7000)]
    [InlineData("HandoffBot.Assistant", 8000)]
    [InlineData("HandoffBot.Resources", 9000)]
    [InlineData("HandoffBot.Telemetry", 10000)]
    public void EachAreasLogEventsHaveIdsInTheAreasRange(string area, int range)
    {
        var events = Events.Where(e => e.Namespace == area || e.Namespace.StartsWith(area + ".", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.InRange(e.EventId, range, range + 999));
    }
}
