using System.Collections.Concurrent;
using System.Threading.Channels;
using HandoffBot.Hosting;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;

namespace HandoffBot.Tests.Support;

/// <summary>
/// A channel transport for one channel id that keeps what the bot sends. With <c>block</c> every send waits until the
/// turn is cancelled (to stop a host in the middle of a turn).
/// </summary>
public sealed class RecordingTransport(string channelId, bool block = false) : IChannelTransport, IActivitySink
{
    private readonly TaskCompletionSource _sendStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<Activity> Sent { get; } = new();

    /// <summary>Completes when the first send begins.</summary>
    public Task SendStarted => _sendStarted.Task;

    public IActivitySink Sink => this;

    public bool Handles(Activity activity) => activity.ChannelId == channelId;

    public async Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        _sendStarted.TrySetResult();
        if (block)
        {
            // Held until the host stops the turn: nothing completes this source.
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
        }
        foreach (var activity in activities)
        {
            Sent.Enqueue(activity);
        }
        return [.. activities.Select(_ => new ResourceResponse($"sent-{Guid.NewGuid():N}"))];
    }

    public Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken) => Task.FromResult(new ResourceResponse(activity.Id));

    public Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Wraps the real turn store and signals each finished commit, so tests can await a queued turn. Several instances'
/// stores may share one <paramref name="commits"/> channel (their commits in one sequence).
/// </summary>
public sealed class SignallingTurnStore(ITurnStore inner, Channel<TurnCommit>? commits = null) : ITurnStore
{
    private readonly Channel<TurnCommit> _commits = commits ?? Channel.CreateUnbounded<TurnCommit>();

    public async Task CommitAsync(TurnCommit commit, CancellationToken cancellationToken)
    {
        await inner.CommitAsync(commit, cancellationToken);
        _commits.Writer.TryWrite(commit);
    }

    /// <summary>The next finished commit; fails after a generous timeout.</summary>
    public async Task<TurnCommit> NextCommitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _commits.Reader.ReadAsync(timeout.Token);
    }
}
