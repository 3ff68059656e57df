using System.Collections.Concurrent;
using System.Globalization;
using HandoffBot.Protocol;

namespace HandoffBot.Load;

/// <summary>
/// <c>kill-probe --channel directline</c>: the customers talk through the bot's own Direct Line instead of the
/// Connector path (<see cref="DirectLineCustomer"/>: a conversation each, messages posted with its token, the
/// history polled by watermark as Web Chat's polling mode does), and lost and duplicate replies are counted from
/// each conversation's Direct Line history read in full after the restart.
/// </summary>
internal static partial class KillProbe
{
    private sealed class DirectLineCustomers(IReadOnlyList<DirectLineCustomer> customers)
    {
        private readonly ConcurrentDictionary<string, long> _seenAtKill = new(StringComparer.Ordinal);
        private int _seen;

        /// <summary>How many of the bot's activities the polling has read so far (it moves while the bot is still sending).</summary>
        public int Seen => Volatile.Read(ref _seen);

        public static async Task<DirectLineCustomers> StartAsync(HttpClient http, Func<Uri> bot, string secret, int conversations) =>
            new(await Task.WhenAll(Enumerable.Range(0, conversations).Select(_ => DirectLineCustomer.StartAsync(http, bot, secret))));

        /// <summary>Each customer's turns, posted one after another without waiting for the replies.</summary>
        public async Task<Posted[]> PostAsync(HttpClient http, int turns) =>
            await Task.WhenAll(customers.Select(async customer =>
            {
                var (accepted, refused) = (new List<string>(), new List<string>());
                for (var t = 0; t < turns; t++)
                {
                    var (id, problem) = await customer.SaysAsync(http, Questions[t % Questions.Length]);
                    if (id is not null)
                    {
                        accepted.Add(id);
                    }
                    else
                    {
                        refused.Add(problem!);
                    }
                }
                return new Posted(accepted, refused);
            }));

        /// <summary>Reads every conversation's new activities in rounds until stopped, noting the turns answered.</summary>
        public async Task PollAsync(HttpClient http, ConcurrentDictionary<string, byte> answered, CancellationToken cancellationToken)
        {
            var asked = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var customer in customers)
                {
                    foreach (var (_, activity) in await customer.ReadNewAsync(http))
                    {
                        if (activity.From?.Role != RoleTypes.Bot)
                        {
                            asked.TryAdd(activity.Id!, 0); // the echo of a posted message precedes its replies
                            continue;
                        }
                        Interlocked.Increment(ref _seen);
                        if (activity.ReplyToId is { } id && asked.ContainsKey(id))
                        {
                            answered.TryAdd(id, 0); // not the greeting (it answers the conversation's start)
                        }
                    }
                }
                await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
            }
        }

        /// <summary>At the kill: what each customer had read so far came from the killed bot (the rest counts as after the kill).</summary>
        public void Killed()
        {
            foreach (var customer in customers)
            {
                _seenAtKill[customer.ConversationId] = customer.Watermark;
            }
        }

        /// <summary>Every conversation's whole history (the bot's activities).</summary>
        public async Task<List<Received>> HistoryAsync(HttpClient http)
        {
            var received = new List<Received>();
            foreach (var customer in customers)
            {
                var seen = _seenAtKill.GetValueOrDefault(customer.ConversationId);
                received.AddRange((await customer.ReadAfterAsync(http, 0)).Where(p => p.Activity.From?.Role == RoleTypes.Bot).Select(p =>
                    new Received(customer.ConversationId, p.Activity.ReplyToId, p.Activity.Type, p.Activity.Text, p.Position > seen)));
            }
            return received;
        }
    }

    /// <summary>The settings a Direct Line run adds: a shared secret (PostgreSQL's schema has one) and no rate limit in the way of the polling.</summary>
    private static void AddDirectLineSettings(Dictionary<string, string> settings, string run)
    {
        settings.TryAdd("DirectLine__Secret", string.Create(CultureInfo.InvariantCulture, $"kill-probe-secret-{run}-0123456789"));
        settings["DirectLine__RequestsPerWindow"] = "1000000";
    }
}
