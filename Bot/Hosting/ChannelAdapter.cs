using System.Security.Claims;
using System.Text.Json;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Telemetry;

namespace HandoffBot.Hosting;

/// <summary>What the HTTP request that carried an activity should answer.</summary>
public abstract record TurnOutcome
{
    /// <summary>Processing continues off the request; answer 200 with an empty body.</summary>
    public sealed record Accepted : TurnOutcome;

    /// <summary>An expectReplies turn: answer 200 with <c>{"activities":[...]}</c>.</summary>
    public sealed record Replies(IReadOnlyList<Activity> Activities) : TurnOutcome;

    /// <summary>An invoke: answer with the status and body; 501 when nothing handled it.</summary>
    public sealed record Invoke(int Status, JsonElement? Body) : TurnOutcome;
}

/// <summary>A transport other than the Connector (e.g. the embedded Direct Line) that delivers some activities.</summary>
public interface IChannelTransport
{
    bool Handles(Activity activity);

    IActivitySink Sink { get; }
}

/// <summary>
/// Turns inbound activities into turns: runs the pipeline inline when the HTTP response needs its result
/// (expectReplies, invoke), and otherwise stores the activity in the inbox and queues the turn, so the channel's
/// request returns as soon as the activity is safe. The turns of one conversation never run at the same time
/// in this process (<see cref="ConversationLocks"/>) nor, on a shared database, across instances
/// (<see cref="IConversationLease"/>); the state version check catches anything else.
/// </summary>
public sealed partial class ChannelAdapter(
    TurnRoutes pipelines,
    IConnectorClient connector,
    IEnumerable<IChannelTransport> transports,
    TurnQueue queue,
    ConversationLocks locks,
    IConversationLease leases,
    IInboxStore inbox,
    ILogger<ChannelAdapter> logger)
{
    private readonly IChannelTransport[] _transports = [.. transports];

    public async Task<TurnOutcome> ProcessAsync(Activity activity, ClaimsIdentity? caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activity);
        _ = caller;
        if (string.Equals(activity.DeliveryMode, DeliveryModes.ExpectReplies, StringComparison.OrdinalIgnoreCase))
        {
            var buffer = new BufferedSink();
            await RunTurnAsync(new TurnContext(activity, buffer), cancellationToken);
            return new TurnOutcome.Replies(buffer.Activities);
        }
        if (activity.IsType(ActivityTypes.Invoke))
        {
            var turn = new TurnContext(activity, SinkFor(activity));
            await RunTurnAsync(turn, cancellationToken);
            return turn.Features.Get<InvokeResponse>() is { } response
                ? new TurnOutcome.Invoke(response.Status, response.Body)
                : new TurnOutcome.Invoke(StatusCodes.Status501NotImplemented, null);
        }
        await queue.EnqueueAsync(activity, cancellationToken);
        return new TurnOutcome.Accepted();
    }

    /// <summary>
    /// Runs one queued turn (called by <see cref="TurnQueue"/>); its commit marks the inbox item done. Each reply that
    /// reached the channel is recorded against the item, and a replay skips those (<see cref="InboxReplySink"/>).
    /// </summary>
    public Task RunQueuedTurnAsync(InboxItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var turn = new TurnContext(item.Activity, new InboxReplySink(SinkFor(item.Activity), item, inbox));
        turn.Features.Set(new TurnWrites(item.Id));
        return RunTurnAsync(turn, cancellationToken, item.TraceParent, item.Id);
    }

    private async Task RunTurnAsync(TurnContext turn, CancellationToken cancellationToken, string? traceParent = null, long? inboxItem = null)
    {
        var activity = turn.Activity;
        using var span = TurnTelemetry.StartTurn(activity, traceParent); // a queued turn continues the trace of its request
        var key = StateKeys.Conversation(activity.ChannelId ?? string.Empty, activity.Conversation?.Id ?? string.Empty);
        using var _ = await locks.AcquireAsync(key, cancellationToken);
        await using var lease = await leases.AcquireAsync(key, cancellationToken);
        // Under the lease nobody else runs this conversation: an item another instance took over (this one was cut off
        // from the database past its lease) or already ran is not run again here.
        if (inboxItem is { } id && !await inbox.IsToRunHereAsync(id, cancellationToken))
        {
            LogNotToRunHere(logger, id, activity.Conversation?.Id);
            return;
        }
        try
        {
            await pipelines.For(activity).RunAsync(turn, cancellationToken);
        }
        catch (Exception exception)
        {
            span.Failed(exception);
            throw;
        }
    }

    /// <summary>
    /// Sends to a conversation the bot is not currently in a turn with (a proactive message), through the same
    /// transport a turn would use. The callback gets a turn whose activity is a continuation event for that address.
    /// </summary>
    public Task ContinueConversationAsync(ConversationReference reference, Func<ITurnContext, CancellationToken, Task> callback, CancellationToken cancellationToken) =>
        ContinueConversationAsync(reference, null, callback, cancellationToken);

    /// <summary>
    /// A proactive send with an identity: with a <paramref name="deliveryKey"/> (an outbox row's key) and a channel
    /// that drops repeats, the n-th activity sent is keyed by it and n (<see cref="KeyedPartsSink"/>), so sending the
    /// same row again shows it once.
    /// </summary>
    public Task ContinueConversationAsync(ConversationReference reference, string? deliveryKey, Func<ITurnContext, CancellationToken, Task> callback, CancellationToken cancellationToken)
    {
        var continuation = new Activity { Type = ActivityTypes.Event, Name = "ContinueConversation" }
            .ApplyConversationReference(reference, isIncoming: true);
        var sink = SinkFor(continuation);
        return callback(new TurnContext(continuation, deliveryKey is not null && sink is IKeyedActivitySink keyed ? new KeyedPartsSink(keyed, deliveryKey) : sink), cancellationToken);
    }

    public IActivitySink SinkFor(Activity activity)
    {
        foreach (var transport in _transports)
        {
            if (transport.Handles(activity))
            {
                return transport.Sink;
            }
        }
        return new ConnectorSink(connector);
    }

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Inbox item {ItemId} (conversation {ConversationId}) is not run here: its turn committed already or another instance took it over")]
    private static partial void LogNotToRunHere(ILogger logger, long itemId, string? conversationId);
}

/// <summary>Collects a turn's replies for an expectReplies response; nothing goes out of band.</summary>
internal sealed class BufferedSink : IActivitySink
{
    private readonly List<Activity> _activities = [];

    public IReadOnlyList<Activity> Activities => _activities;

    public Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        lock (_activities)
        {
            _activities.AddRange(activities);
        }
        return Task.FromResult<IReadOnlyList<ResourceResponse>>([.. activities.Select(_ => new ResourceResponse(null))]);
    }

    public Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken) =>
        throw new NotSupportedException("An expectReplies turn cannot update an activity.");

    public Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("An expectReplies turn cannot delete an activity.");
}

/// <summary>Sends through the Connector: a reply when replyToId is set, otherwise to the conversation.</summary>
internal sealed class ConnectorSink(IConnectorClient connector) : IActivitySink
{
    public async Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        var responses = new ResourceResponse[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            var activity = activities[i];
            responses[i] = string.IsNullOrEmpty(activity.ReplyToId)
                ? await connector.SendToConversationAsync(activity, cancellationToken)
                : await connector.ReplyToActivityAsync(activity, cancellationToken);
        }
        return responses;
    }

    public Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken) =>
        connector.UpdateActivityAsync(activity, cancellationToken);

    public Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken) =>
        connector.DeleteActivityAsync(reference.ServiceUrl!, reference.Conversation!.Id!, activityId, cancellationToken);
}
