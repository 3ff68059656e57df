using System.Diagnostics;
using System.Net;
using System.Text.Json;
using HandoffBot.Protocol;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Activity = HandoffBot.Protocol.Activity;

namespace HandoffBot.Load;

/// <summary>
/// A minimal Bot Framework Connector on 127.0.0.1 (an ephemeral port) for the load tool: it accepts
/// <c>POST /v3/conversations/{id}/activities[/{replyToId}]</c>, answers 200 <c>{"id":...}</c> at once and hands each
/// activity, with its arrival time (<see cref="Stopwatch.GetTimestamp"/>, taken before the body is read), to
/// <paramref name="onActivity"/>. Anything else is answered 404 and counted in <see cref="Unexpected"/>.
/// Unlike the tests' recording fake it keeps nothing and scripts nothing: it must stay cheap at thousands of requests.
/// </summary>
internal sealed class LoopbackConnector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _ids;
    private int _unexpected;
    private int _unreadable;

    private LoopbackConnector(WebApplication app) => _app = app;

    /// <summary>The serviceUrl of this Connector, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Requests this Connector does not serve (another route or method): a sign the bot did something unplanned.</summary>
    public int Unexpected => Volatile.Read(ref _unexpected);

    /// <summary>Bodies that were not an activity.</summary>
    public int Unreadable => Volatile.Read(ref _unreadable);

    public static async Task<LoopbackConnector> StartAsync(string name, Action<Activity, long> onActivity)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = $"load-{name}-connector" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var connector = new LoopbackConnector(app);
        RequestDelegate receive = context => connector.ReceiveAsync(context, onActivity);
        app.MapPost("/v3/conversations/{conversationId}/activities", receive);
        app.MapPost("/v3/conversations/{conversationId}/activities/{replyToId}", receive);
        app.MapFallback(context =>
        {
            Interlocked.Increment(ref connector._unexpected);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        connector.Url = address.TrimEnd('/') + "/";
        return connector;
    }

    private async Task ReceiveAsync(HttpContext context, Action<Activity, long> onActivity)
    {
        var arrived = Stopwatch.GetTimestamp();
        Activity? activity;
        try
        {
            activity = await JsonSerializer.DeserializeAsync(context.Request.Body, ProtocolJsonContext.Default.Activity, context.RequestAborted);
        }
        catch (JsonException)
        {
            activity = null;
        }
        if (activity is null)
        {
            Interlocked.Increment(ref _unreadable);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        onActivity(activity, arrived);
        var id = new ResourceResponse($"stub-{Interlocked.Increment(ref _ids)}");
        await context.Response.WriteAsJsonAsync(id, ProtocolJsonContext.Default.ResourceResponse, cancellationToken: context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
