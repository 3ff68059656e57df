namespace HandoffBot.Threading;

/// <summary>
/// Runs an asynchronous step once per instance, the first time it is needed (seeding a table on first use):
/// concurrent callers wait for that run, later callers return at once. A run that fails or is cancelled does not
/// count, so the next caller runs the step again.
/// </summary>
internal sealed class AsyncOnce : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _done;

    public async Task EnsureAsync(Func<CancellationToken, Task> step, CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_done)
            {
                return;
            }
            await step(cancellationToken);
            _done = true;
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();
}
