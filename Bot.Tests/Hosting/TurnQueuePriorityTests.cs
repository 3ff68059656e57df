using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using HandoffBot.Hosting;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Hosting;

/// <summary>
/// At peak a customer asking for a person does not wait behind other customers' routine questions in their lane, and
/// no conversation's turns ever overtake each other.
/// </summary>
public sealed class TurnQueuePriorityTests
{
    private const string Channel = "priority-test";

    /// <summary>Holds the first send until released (so the lane fills up behind it), then records the order of replies.</summary>
    private sealed class GatedTransport : IChannelTransport, IActivitySink
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _sends;

        public ConcurrentQueue<string> RepliedTo { get; } = new();

        public Task Held => _held.Task;

        public void Release() => _release.TrySetResult();

        public IActivitySink Sink => this;

        public bool Handles(Activity activity) => activity.ChannelId == Channel;

        public async Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _sends) == 1)
            {
                _held.TrySetResult();
                await _release.Task.WaitAsync(cancellationToken);
            }
            foreach (var activity in activities.Where(a => a.IsType(ActivityTypes.Message) && a.ReplyToId is not null))
            {
                if (!RepliedTo.Contains(activity.ReplyToId!))
                {
                    RepliedTo.Enqueue(activity.ReplyToId!);
                }
            }
            return [.. activities.Select(_ => new ResourceResponse($"sent-{Guid.NewGuid():N}"))];
        }

        public Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken) => Task.FromResult(new ResourceResponse(activity.Id));

        public Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static Activity Message(string id, string conversation, string text) => new()
    {
        Type = ActivityTypes.Message,
        Id = id,
        ChannelId = Channel,
        ServiceUrl = "https://channel.invalid/",
        Conversation = new ConversationAccount { Id = conversation },
        From = new ChannelAccount { Id = "customer-" + conversation, Role = RoleTypes.User },
        Recipient = new ChannelAccount { Id = "bot", Role = RoleTypes.Bot },
        Text = text,
        Locale = "en-US",
    };

    [Fact]
    public async Task AnExplicitRequestForAPersonRunsAheadOfOtherConversationsQuestionsButNeverAheadOfItsOwnConversation()
    {
        var transport = new GatedTransport();
        await using var factory = new BotFactory()
            .With("Messages:QueuedTurnLanes", "1") // one lane: every conversation below waits in the same one
            .WithServices(services => services.AddSingleton<IChannelTransport>(transport));
        using var client = factory.CreateClient();
        async Task PostAsync(Activity activity) =>
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(MessagesEndpoint.Path, activity, ProtocolJsonContext.Default.Activity)).StatusCode);

        await PostAsync(Message("a-1", "conv-a", "how long does delivery take?"));
        await transport.Held; // a-1 is running and holds the lane
        await PostAsync(Message("b-1", "conv-b", "what payment methods do you accept?"));
        await PostAsync(Message("c-1", "conv-c", "can I change my delivery address?"));
        await PostAsync(Message("a-2", "conv-a", "let me talk to a person please"));  // urgent, but conv-a has a turn running
        await PostAsync(Message("d-1", "conv-d", "let me talk to a person please"));  // urgent, nothing of conv-d waiting

        transport.Release();
        await factory.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(["a-1", "d-1", "b-1", "c-1", "a-2"], transport.RepliedTo.ToArray());
    }
}
