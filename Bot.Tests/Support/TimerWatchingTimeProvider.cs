using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Support;

/// <summary>
/// Fake time that also tells a test when code under test starts waiting (creates a timer), so the test can
/// advance time exactly when something waits on it instead of guessing or sleeping.
/// </summary>
public sealed class TimerWatchingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly List<TimeSpan> _dueTimes = [];
    private readonly List<(Func<TimeSpan, bool> Match, int Occurrence, TaskCompletionSource<TimeSpan> Signal)> _waiters = [];

    /// <summary>The due times of every timer started so far (created or re-armed), oldest first.</summary>
    public IReadOnlyList<TimeSpan> DueTimes
    {
        get
        {
            lock (_dueTimes)
            {
                return [.. _dueTimes];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new WatchedTimer(this, base.CreateTimer(callback, state, dueTime, period));
        Record(dueTime);
        return timer;
    }

    /// <summary>Counts a timer started or re-armed (e.g. CancellationTokenSource.CancelAfter) with this due time.</summary>
    private void Record(TimeSpan dueTime)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return;
        }
        lock (_dueTimes)
        {
            _dueTimes.Add(dueTime);
            foreach (var waiter in _waiters.ToList())
            {
                if (Nth(waiter.Match, waiter.Occurrence) is { } due)
                {
                    _waiters.Remove(waiter);
                    waiter.Signal.TrySetResult(due);
                }
            }
        }
    }

    private sealed class WatchedTimer(TimerWatchingTimeProvider owner, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            owner.Record(dueTime);
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>
    /// Completes with the due time of the <paramref name="occurrence"/>-th timer (counting from the start) that
    /// matches <paramref name="match"/>, once it has been created. Fails after a generous timeout.
    /// </summary>
    public Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match, int occurrence = 1)
    {
        lock (_dueTimes)
        {
            if (Nth(match, occurrence) is { } due)
            {
                return Task.FromResult(due);
            }
            var signal = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, occurrence, signal));
            return signal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public Task<TimeSpan> WaitForTimerAsync(TimeSpan dueTime, int occurrence = 1) => WaitForTimerAsync(d => d == dueTime, occurrence);

    private TimeSpan? Nth(Func<TimeSpan, bool> match, int occurrence)
    {
        var seen = 0;
        foreach (var due in _dueTimes)
        {
            if (match(due) && ++seen == occurrence)
            {
                return due;
            }
        }
        return null;
    }
}
