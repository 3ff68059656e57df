using Microsoft.Extensions.Logging;

namespace HandoffBot.Tests.Resources;

/// <summary>Keeps every log entry (level, event id, rendered message) for assertions on what an operator reads.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, EventId Event, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Add((logLevel, eventId, formatter(state, exception)));
}

/// <summary>A scratch folder of resource files for one test, deleted afterwards.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("handoffbot-resources-").FullName;

    public ScratchFolder With(string file, string json)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, file), json);
        return this;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
