using HandoffBot.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static HandoffBot.Tests.Routing.RoutingFixture;

namespace HandoffBot.Tests.Routing;

public sealed class RoutingLogTests
{
    [Fact]
    public void RestoringAConversationOfAnAgentWhoLeftTheRosterIsLoggedNotSilentlyDropped()
    {
        var log = new RecordingLogger();
        var engine = new RoutingEngine(Microsoft.Extensions.Options.Options.Create(RoutingFixture.Options()), [new LeastBusyPolicy()], log);

        engine.RestoreAccepted(Item("h1"), Id("gone"), T0);
        engine.RestoreOffered(Item("h2"), Id("gone"), T0);

        Assert.Null(engine.GetStatus("h1"));
        Assert.Equal(RoutedItemState.Waiting, engine.GetStatus("h2")!.State);
        Assert.Equal([(5004, LogLevel.Warning), (5003, LogLevel.Warning)],
            log.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => (e.Id, e.Level)));
        Assert.Contains(log.Entries, e => e.Id == 5001 && e.Message.Contains("fraud", StringComparison.Ordinal));
    }

    private sealed class RecordingLogger : ILogger<RoutingEngine>
    {
        public List<(int Id, LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((eventId.Id, logLevel, formatter(state, exception)));
    }
}
