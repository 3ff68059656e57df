using System.Reflection;
using Microsoft.Extensions.Logging;

namespace HandoffBot.Tests.Resources;

/// <summary>An operator filters logs by event id: within an area's range each id means one thing.</summary>
public sealed class EventIdTests
{
    [Theory]
    [InlineData(3000, "HandoffBot.Escalation")]
    [InlineData(8000, "HandoffBot.Assistant")]
    [InlineData(9000, "HandoffBot.Resources")]
    public void EachLogEventOfAnAreaHasAnIdOfItsOwnInTheAreasRange(int range, string area)
    {
        var events = typeof(Program).Assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith(area, StringComparison.Ordinal) == true)
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .ToList();

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.InRange(e.Attribute!.EventId, range, range + 999));
        Assert.Empty(events.GroupBy(e => e.Attribute!.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}"));
    }
}
