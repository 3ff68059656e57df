using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using HandoffBot.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Support;

/// <summary>One request the fake server received, as it came over the wire.</summary>
public sealed record CapturedRequest(
    int Sequence, string Method, string RawTarget, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body as an activity (what the bot POSTs to the Connector).</summary>
    public Activity Activity => JsonSerializer.Deserialize(Body, ProtocolJsonContext.Default.Activity)
        ?? throw new InvalidOperationException("The body is not an activity.");

    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
    }

    /// <summary>The body as an application/x-www-form-urlencoded form (what a token request carries).</summary>
    public IReadOnlyDictionary<string, string> Form => Body.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(p => WebUtility.UrlDecode(p[0]), p => p.Length > 1 ? WebUtility.UrlDecode(p[1]) : string.Empty, StringComparer.Ordinal);
}

/// <summary>What the fake server answers to one request.</summary>
public sealed record ScriptedResponse(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>Never answers: holds the request until the client gives up (an attempt timeout) or the server stops.</summary>
    public bool NoAnswer { get; init; }

    /// <summary>When set, the answer waits for this task (lets a test hold a request in flight).</summary>
    public Task? Until { get; init; }

    public static ScriptedResponse Ok(string body) => new(200, body);

    public static ScriptedResponse Error(int status, string code = "Failed", string message = "Scripted failure") =>
        new(status, $$$"""{"error":{"code":"{{{code}}}","message":"{{{message}}}"}}""");

    public static ScriptedResponse TooManyRequests(int retryAfterSeconds) =>
        Error(429, "TooManyRequests", "Slow down") with
        {
            Headers = new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };

    public static ScriptedResponse Hang { get; } = new(0) { NoAnswer = true };
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, random port) standing in for a channel's Connector (or any HTTP
/// dependency, e.g. a token endpoint). It records every request and answers from a script, then from
/// <see cref="Otherwise"/>. Tests await captured requests; nothing sleeps.
/// </summary>
public sealed class FakeConnector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<CapturedRequest> _requests = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _activityIds;

    private FakeConnector(WebApplication app) => _app = app;

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public string Url { get; private set; } = string.Empty;

    /// <summary>Answers requests once the script is used up. Default: 200 with a fresh <c>{"id":...}</c>.</summary>
    public Func<CapturedRequest, ScriptedResponse>? Otherwise { get; set; }

    public IReadOnlyList<CapturedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeConnector> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeConnector(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        fake.Url = address.TrimEnd('/') + "/";
        return fake;
    }

    /// <summary>A serviceUrl under this server with a base path, e.g. <c>http://127.0.0.1:41234/base/path/</c>.</summary>
    public string UrlWith(string basePath) => Url + basePath.Trim('/') + "/";

    /// <summary>Answers the next requests, in order, with these responses.</summary>
    public FakeConnector Script(params ScriptedResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
        return this;
    }

    /// <summary>Completes when at least <paramref name="count"/> requests have arrived; fails after a generous timeout.</summary>
    public async Task<IReadOnlyList<CapturedRequest>> WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        TaskCompletionSource signal;
        lock (_requests)
        {
            if (_requests.Count >= count)
            {
                return [.. _requests];
            }
            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
        }
        try
        {
            await signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            var got = Requests;
            throw new TimeoutException($"Expected {count} request(s) at the fake connector but got {got.Count}: "
                + string.Join("; ", got.Select(r => $"{r.Method} {r.RawTarget}")));
        }
        return Requests;
    }

    private ScriptedResponse DefaultResponse(CapturedRequest request) =>
        ScriptedResponse.Ok($$"""{"id":"fake-{{Interlocked.Increment(ref _activityIds)}}"}""");

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        CapturedRequest captured;
        lock (_requests)
        {
            captured = new CapturedRequest(_requests.Count + 1, context.Request.Method, rawTarget, context.Request.Path.Value ?? string.Empty, headers, body);
            _requests.Add(captured);
            foreach (var waiter in _waiters.Where(w => _requests.Count >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }
        }

        var response = _script.TryDequeue(out var scripted) ? scripted : (Otherwise ?? DefaultResponse)(captured);
        if (response.NoAnswer)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            await Task.Delay(Timeout.Infinite, either.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }
        if (response.Until is { } until)
        {
            await until.WaitAsync(_stopping.Token);
        }
        context.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
        if (response.Body is { } text)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(text, context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
