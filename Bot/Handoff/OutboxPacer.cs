using HandoffBot.Protocol;

namespace HandoffBot.Handoff;

/// <summary>
/// When the <see cref="OutboxDispatcher"/> may send into a conversation: sliding-window budgets per destination
/// conversation and per channel endpoint (serviceUrl and tenant) for the paced channels
/// (<see cref="OutboxPacingOptions"/>), and holds a channel asked for with a 429 (any channel). A sender
/// <see cref="TryTake">takes</see> its sends when they fit, or waits until the time given and tries again; senders of
/// different destinations sharing one conversation (the hub's handoffs) share its budget. In memory, per instance.
/// </summary>
internal sealed class OutboxPacer(OutboxPacingOptions options)
{
    private const int SweepEvery = 512;

    private readonly HashSet<string> _channels = new(options.PacedChannels, StringComparer.OrdinalIgnoreCase);
    private readonly Budget[] _conversation = [.. options.ConversationLimits.Select(w => new Budget(w.Limit, w.Window.Ticks))];
    private readonly Budget[] _endpoint = [.. options.EndpointLimits.Select(w => new Budget(w.Limit, w.Window.Ticks))];
    private readonly Dictionary<string, Slots> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _holds = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _reservations;

    private readonly record struct Budget(int Limit, long Window);

    /// <summary>
    /// The conversation an activity goes to, as the channel counts it: Teams counts per 1:1 chat, group chat or channel
    /// of a team, so the reply threads of one channel (<c>19:...@thread.tacv2;messageid=...</c>) share the channel's budget.
    /// </summary>
    public static string ConversationOf(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var id = activity.Conversation?.Id ?? string.Empty;
        var thread = id.IndexOf(";messageid=", StringComparison.OrdinalIgnoreCase);
        return $"{activity.ChannelId}\n{activity.ServiceUrl}\n{(thread > 0 ? id[..thread] : id)}";
    }

    private static string EndpointOf(Activity activity) =>
        $"{activity.ChannelId}\n{activity.ServiceUrl}\n{activity.Conversation?.TenantId}";

    /// <summary>
    /// Takes <paramref name="sends"/> requests into <paramref name="activity"/>'s conversation at <paramref name="now"/>
    /// when every window of the conversation and of its endpoint allows them and no hold lasts; otherwise takes nothing
    /// and gives the earliest time worth trying again (later than <paramref name="now"/>). Only sends taken now are
    /// counted, so a conversation that waits never delays another one sharing its endpoint.
    /// </summary>
    public bool TryTake(Activity activity, int sends, DateTimeOffset now, out DateTimeOffset retryAt)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var conversation = ConversationOf(activity);
        var at = now.UtcTicks;
        lock (_lock)
        {
            if (_holds.TryGetValue(conversation, out var held))
            {
                if (held > at)
                {
                    retryAt = new DateTimeOffset(held, TimeSpan.Zero);
                    return false;
                }
                _holds.Remove(conversation);
            }
            retryAt = now;
            if (!_channels.Contains(activity.ChannelId ?? string.Empty))
            {
                return true;
            }
            var count = Math.Max(1, sends);
            var ofConversation = SlotsOf(conversation, _conversation);
            var ofEndpoint = SlotsOf(EndpointOf(activity), _endpoint);
            var earliest = Math.Max(ofConversation.Earliest(_conversation, count), ofEndpoint.Earliest(_endpoint, count));
            if (earliest > at)
            {
                retryAt = new DateTimeOffset(earliest, TimeSpan.Zero);
                return false;
            }
            ofConversation.Add(at, count);
            ofEndpoint.Add(at, count);
            if (++_reservations % SweepEvery == 0)
            {
                Sweep(at);
            }
            return true;
        }
    }

    /// <summary>The channel answered 429: nothing more goes into this conversation before <paramref name="until"/>.</summary>
    public void Hold(Activity activity, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var conversation = ConversationOf(activity);
        lock (_lock)
        {
            if (!_holds.TryGetValue(conversation, out var held) || held < until.UtcTicks)
            {
                _holds[conversation] = until.UtcTicks;
            }
        }
    }

    private Slots SlotsOf(string key, Budget[] budgets)
    {
        if (!_slots.TryGetValue(key, out var slots))
        {
            slots = new Slots(budgets.Length == 0 ? 1 : budgets.Max(b => b.Limit), budgets.Length == 0 ? 0 : budgets.Max(b => b.Window));
            _slots[key] = slots;
        }
        return slots;
    }

    /// <summary>Forgets conversations and endpoints nothing was reserved for within their longest window.</summary>
    private void Sweep(long now)
    {
        foreach (var (key, slots) in _slots.Where(s => s.Value.IdleAt(now)).ToList())
        {
            _slots.Remove(key);
        }
        foreach (var key in _holds.Where(h => h.Value <= now).Select(h => h.Key).ToList())
        {
            _holds.Remove(key);
        }
    }

    /// <summary>The times of the sends taken for one key, ascending (each taken at the time it was taken), at most the largest limit of its windows.</summary>
    private sealed class Slots(int keep, long longestWindow)
    {
        private readonly List<long> _times = [];

        /// <summary>
        /// The earliest time at which <paramref name="count"/> more sends keep every window within its limit: for a window
        /// of n per P, the (n - count + 1)-th most recent send must be at least P before.
        /// </summary>
        public long Earliest(Budget[] budgets, int count)
        {
            var at = long.MinValue;
            foreach (var budget in budgets)
            {
                var back = budget.Limit - Math.Min(count, budget.Limit) + 1;
                if (_times.Count >= back)
                {
                    at = Math.Max(at, _times[_times.Count - back] + budget.Window);
                }
            }
            return at;
        }

        public void Add(long at, int count)
        {
            for (var i = 0; i < count; i++)
            {
                _times.Add(at);
            }
            if (_times.Count > keep)
            {
                _times.RemoveRange(0, _times.Count - keep);
            }
        }

        public bool IdleAt(long now) => _times.Count == 0 || _times[^1] + longestWindow <= now;
    }
}
