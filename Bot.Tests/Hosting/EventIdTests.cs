using System.Reflection;
using HandoffBot.Hosting;
using Microsoft.Extensions.Logging;

namespace HandoffBot.Tests.Hosting;

/// <summary>Operators filter and alert on EventIds: each log event of the bot has its own.</summary>
public sealed class EventIdTests
{
    [Fact]
    public void NoTwoLogEventsOfTheBotShareAnEventId()
    {
        var events = typeof(MessagesEndpoint).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .ToList();

        // -1: no EventId given (the generator's default); not a shared id, though every event should have one.
        var shared = events.Where(e => e.Attribute!.EventId != -1).GroupBy(e => e.Attribute!.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}").ToList();

        Assert.True(events.Count > 20, "the test must see the bot's log events");
        Assert.True(shared.Count == 0, "EventIds used more than once: " + string.Join("; ", shared));
    }
}
