namespace HandoffBot.Hosting;

/// <summary>
/// One async lock per conversation key, so the turns of a conversation run one at a time in this process whatever
/// path they come by (expectReplies, invoke, the turn queue). Entries exist only while someone holds or waits.
/// </summary>
public sealed class ConversationLocks
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async ValueTask<Releaser> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries[key] = entry;
            }
            entry.Users++;
        }
        try
        {
            await entry.Gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, entry, release: false);
            throw;
        }
        return new Releaser(this, key, entry);
    }

    /// <summary>Conversations with a turn running or waiting (for tests and diagnostics).</summary>
    public int ActiveCount
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    private void Leave(string key, Entry entry, bool release)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
            }
        }
        if (release)
        {
            entry.Gate.Release();
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }
    }

    public readonly struct Releaser : IDisposable
    {
        private readonly ConversationLocks _owner;
        private readonly string _key;
        private readonly Entry _entry;

        internal Releaser(ConversationLocks owner, string key, Entry entry) => (_owner, _key, _entry) = (owner, key, entry);

        public void Dispose() => _owner?.Leave(_key, _entry, release: true);
    }
}
