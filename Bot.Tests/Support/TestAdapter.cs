using System.Collections.Concurrent;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Support;

/// <summary>
/// Runs turns through a pipeline in process, as a channel would deliver them, and keeps what the bot sends.
/// Time is fake; nothing sleeps.
/// </summary>
public sealed class TestAdapter(TurnPipeline pipeline, FakeTimeProvider? time = null)
{
    private readonly ConcurrentQueue<Activity> _replies = new();
    private int _nextId;

    public FakeTimeProvider Time { get; } = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));

    public string ChannelId { get; init; } = "test";

    public string ConversationId { get; init; } = "conversation-1";

    public ChannelAccount User { get; init; } = new() { Id = "user-1", Name = "Customer", Role = RoleTypes.User };

    public ChannelAccount Bot { get; init; } = new() { Id = "bot-1", Name = "HandoffBot", Role = RoleTypes.Bot };

    public string ServiceUrl { get; init; } = "https://test.invalid/";

    /// <summary>Everything the bot sent and nobody asserted yet, oldest first.</summary>
    public IReadOnlyCollection<Activity> Pending => _replies;

    public Activity MakeMessage(string text) => MakeActivity(ActivityTypes.Message) with { Text = text };

    public Activity MakeActivity(string type) => new()
    {
        Type = type,
        Id = $"in-{Interlocked.Increment(ref _nextId)}",
        ChannelId = ChannelId,
        ServiceUrl = ServiceUrl,
        Conversation = new ConversationAccount { Id = ConversationId },
        From = User,
        Recipient = Bot,
        Timestamp = Time.GetUtcNow(),
        Locale = "en-US",
    };

    public Activity MakeConversationUpdate() => MakeActivity(ActivityTypes.ConversationUpdate) with { MembersAdded = [Bot, User] };

    public async Task<ITurnContext> ProcessAsync(Activity activity, CancellationToken cancellationToken = default)
    {
        var turn = new TurnContext(activity, new QueueSink(_replies));
        await pipeline.RunAsync(turn, cancellationToken);
        return turn;
    }

    public Activity? TakeReply() => _replies.TryDequeue(out var reply) ? reply : null;

    /// <summary>Starts a conversation script: <c>adapter.Script().Send("hi").AssertReply(...)</c>.</summary>
    public ConversationScript Script() => new(this);

    private sealed class QueueSink(ConcurrentQueue<Activity> replies) : IActivitySink
    {
        private int _id;

        public Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
        {
            var responses = new List<ResourceResponse>();
            foreach (var activity in activities)
            {
                var id = $"out-{Interlocked.Increment(ref _id)}";
                replies.Enqueue(activity with { Id = id });
                responses.Add(new ResourceResponse(id));
            }
            return Task.FromResult<IReadOnlyList<ResourceResponse>>(responses);
        }

        public Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken)
        {
            replies.Enqueue(activity with { Type = ActivityTypes.MessageUpdate });
            return Task.FromResult(new ResourceResponse(activity.Id));
        }

        public Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken)
        {
            replies.Enqueue(new Activity { Type = ActivityTypes.MessageDelete, Id = activityId });
            return Task.CompletedTask;
        }
    }
}

/// <summary>A conversation written as steps; nothing runs until it is awaited.</summary>
public sealed class ConversationScript(TestAdapter adapter)
{
    private readonly List<Func<Task>> _steps = [];

    public ConversationScript Send(string text) => Send(adapter.MakeMessage(text));

    public ConversationScript Send(Activity activity)
    {
        _steps.Add(() => adapter.ProcessAsync(activity));
        return this;
    }

    public ConversationScript AssertReply(string expectedText) =>
        AssertReply(reply => Assert.Equal(expectedText, reply.Text));

    public ConversationScript AssertReplyContains(string fragment) =>
        AssertReply(reply => Assert.Contains(fragment, reply.Text ?? string.Empty, StringComparison.OrdinalIgnoreCase));

    public ConversationScript AssertReply(Action<Activity> check)
    {
        _steps.Add(() =>
        {
            var reply = adapter.TakeReply();
            Assert.True(reply is not null, "Expected a reply but the bot sent nothing more.");
            check(reply!);
            return Task.CompletedTask;
        });
        return this;
    }

    public ConversationScript AssertNoReply()
    {
        _steps.Add(() =>
        {
            var reply = adapter.TakeReply();
            Assert.True(reply is null, $"Expected no reply but the bot sent '{reply?.Text ?? reply?.Type}'.");
            return Task.CompletedTask;
        });
        return this;
    }

    /// <summary>Moves fake time on; timers due in that span fire.</summary>
    public ConversationScript Wait(TimeSpan span)
    {
        _steps.Add(() =>
        {
            adapter.Time.Advance(span);
            return Task.CompletedTask;
        });
        return this;
    }

    public async Task RunAsync()
    {
        foreach (var step in _steps)
        {
            await step();
        }
    }

    public System.Runtime.CompilerServices.TaskAwaiter GetAwaiter() => RunAsync().GetAwaiter();
}
