using System.Collections;
using System.Diagnostics;
using HandoffBot.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

namespace HandoffBot.Tests.Telemetry;

/// <summary>
/// Spans and log records a bot exported, through OpenTelemetry's in-memory exporter. The bot's sources are process-wide
/// (parallel tests export into every listening host), so tests pick their own trace by the id they sent.
/// </summary>
public sealed class TelemetryCapture
{
    public LockedCollection<Activity> Spans { get; } = new();

    public LockedCollection<LogRecord> Logs { get; } = new();

    /// <summary>Adds the in-memory exporters to <paramref name="factory"/>.</summary>
    public void AttachTo(BotFactory factory) => factory.WithServices(services =>
    {
        services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(Spans));
        services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddInMemoryExporter(Logs));
    });

    public IReadOnlyList<Activity> SpansOf(ActivityTraceId trace) => [.. Spans.Snapshot().Where(s => s.TraceId == trace)];

    /// <summary>A W3C traceparent header for a new trace, as a channel in front of the bot would send it.</summary>
    public static (string Header, ActivityTraceId Trace, ActivitySpanId Parent) NewTraceParent()
    {
        var trace = ActivityTraceId.CreateRandom();
        var parent = ActivitySpanId.CreateRandom();
        return ($"00-{trace.ToHexString()}-{parent.ToHexString()}-01", trace, parent);
    }
}

/// <summary>A collection the exporters add to from any thread while the test reads a snapshot.</summary>
public sealed class LockedCollection<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public IReadOnlyList<T> Snapshot()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }

    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public void Add(T item)
    {
        lock (_items)
        {
            _items.Add(item);
        }
    }

    public void Clear()
    {
        lock (_items)
        {
            _items.Clear();
        }
    }

    public bool Contains(T item) => Snapshot().Contains(item);

    public void CopyTo(T[] array, int arrayIndex)
    {
        lock (_items)
        {
            _items.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(T item)
    {
        lock (_items)
        {
            return _items.Remove(item);
        }
    }

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Makes every request look as if it came from <paramref name="remote"/> (the test server has no sockets).</summary>
public sealed class RemoteAddressStartupFilter(System.Net.IPAddress remote) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((HttpContext context, RequestDelegate following) =>
        {
            context.Connection.RemoteIpAddress = remote;
            return following(context);
        });
        next(app);
    };
}
