using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using HandoffBot.Protocol;
using Activity = HandoffBot.Protocol.Activity;

namespace HandoffBot.Load;

/// <summary>
/// The kill -9 probe of issue 13 item 5 (<c>Bot.Load kill-probe</c>, <c>eng/kill-probe.sh</c>): the bot as a child process
/// on a fresh database, N conversations x M message turns posted on the normal channel path (each with its own activity
/// id; the bot answers 200 once the activity is in its inbox and replies through the customer Connector of this
/// process), the bot killed with SIGKILL once a share of the turns has been answered, a second bot started on the same
/// database (it replays the inbox items whose turn had not committed), and then, for every accepted activity, the
/// replies the customer Connector received (matched by replyToId): lost (accepted, no reply) and duplicates (a turn
/// with the same reply received more than once). With <c>--instances 2</c> (PostgreSQL): two bots on one schema with
/// distinct instance names and a short lease, each conversation always on the same bot; the first is killed and not
/// restarted, and the second must take its inbox over (<c>InboxTakeoverService</c>) and answer every accepted turn.
/// </summary>
internal static partial class KillProbe
{
    public const string Usage = """
        Usage: Bot.Load kill-probe --relay ... (handoffs with relay in flight: see the options with --relay --help)
               Bot.Load kill-probe [--provider sqlite|postgres] [--instances 1|2] [--lease 3] [--conversations 40] [--turns 10] [--kill-after 100]
                                   [--quiet-ms 3000] [--timeout 120] [--postgres <connection string>] [--bot-dll <path>] [--keep-log <file>]
                                   [--channel connector|directline]
          --provider       sqlite (a fresh data folder) or postgres (a fresh schema on --postgres, default $HANDOFFBOT_TEST_POSTGRES)
          --instances      2 (postgres only): two bots on one schema, conversation c always on bot c mod 2; the first is killed
                           and not restarted: the second takes its inbox over once its lease (--lease seconds, default 3) ran out
          --kill-after     kill -9 the bot once every turn was accepted and this many turns were answered (default: a quarter)
          --quiet-ms       after the restart, once every accepted turn has a reply: wait this long for late (duplicate) replies
          --timeout        seconds to wait for every accepted turn's reply after the restart before counting the rest lost
          --channel        connector (default: Connector-path activities, replies to a customer Connector here) or directline
                           (one instance: customers on the bot's own Direct Line, counted from each conversation's history)
        """;

    /// <summary>Ten questions on ten knowledge-base topics: routine answers, no escalation (a repeated topic can escalate).</summary>
    private static readonly string[] Questions =
    [
        "how long does delivery take", "what is your return policy", "what payment methods do you accept", "how do I create an account",
        "do you sell gift cards", "what size should I get", "do you have a loyalty program", "do you have a physical store",
        "can I get an invoice", "does this come with a warranty",
    ];

    private sealed record Options(FleetOptions Fleet, TimeSpan Lease, int Conversations, int Turns, int KillAfter, TimeSpan Quiet, TimeSpan Timeout, string Channel)
    {
        public bool IsDirectLine => Channel == "directline";

        public string Provider => Fleet.Provider;

        public int Instances => Fleet.Instances;
    }

    /// <summary>An activity the customer Connector received; <paramref name="AfterKill"/>: it came from the restarted bot.</summary>
    private sealed record Received(string? ConversationId, string? ReplyToId, string? Type, string? Text, bool AfterKill);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--relay"))
        {
            return await RelayKillProbe.RunAsync([.. args.Where(a => a != "--relay")]);
        }
        if (Parse(args) is not { } options)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var received = new ConcurrentQueue<Received>();
        var answered = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var killed = 0;
        await using var customers = await LoopbackConnector.StartAsync("customer", (activity, _) =>
        {
            received.Enqueue(new Received(activity.Conversation?.Id, activity.ReplyToId, activity.Type, activity.Text, Volatile.Read(ref killed) == 1));
            if (activity.ReplyToId is { } id)
            {
                answered.TryAdd(id, 0);
            }
        });
        await using var hub = await LoopbackConnector.StartAsync("hub", (_, _) => { });
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Handoff__Hub__ChannelId"] = "emulator",
            ["Handoff__Hub__ServiceUrl"] = hub.Url,
            ["Handoff__Hub__ConversationId"] = "hub-conversation",
            ["Handoff__Hub__BotId"] = "bot-hub",
        };
        var schema = options.Fleet.IsPostgres ? await PostgresSchema.CreateAsync(options.Fleet.Postgres!, "kill_probe") : null;
        foreach (var (key, value) in schema?.Settings("kill-probe") ?? [])
        {
            settings[key] = value;
        }
        var data = Directory.CreateTempSubdirectory("handoffbot-kill-probe-");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var run = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var total = options.Conversations * options.Turns;
        if (options.IsDirectLine)
        {
            AddDirectLineSettings(settings, run);
        }
        var bots = new List<BotProcess>();
        try
        {
            // Two instances: distinct names, a short lease, each its own data folder (the log); the first is the one killed.
            for (var i = 0; i < options.Instances; i++)
            {
                var instance = options.Instances == 1 ? settings : new Dictionary<string, string>(settings, StringComparer.Ordinal)
                {
                    ["Storage__Postgres__InstanceName"] = $"kill-probe-{(char)('a' + i)}",
                    ["Storage__Postgres__InstanceLease"] = options.Lease.ToString("c", CultureInfo.InvariantCulture),
                };
                bots.Add(BotProcess.Start(options.Fleet.BotDll, instance, i == 0 ? data : null));
            }
            Console.WriteLine($"== kill probe, {options.Provider}, {options.Instances} instance(s): bot pid {string.Join(", ", bots.Select(b => $"{b.ProcessId} on {b.BaseAddress}"))}, data {data.FullName}{(schema is null ? "" : $", schema {schema.Name}")}; " +
                $"{options.Conversations} conversations x {options.Turns} turns{(options.Instances > 1 ? $", lease {options.Lease:c}" : "")} ({Environment.ProcessorCount} cores, load average {Machine.LoadAverage()})");
            foreach (var bot in bots)
            {
                await bot.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(60), CancellationToken.None);
            }

            // Conversation c always goes to instance c mod N, as a load balancer keeping a conversation on one instance would.
            var started = Stopwatch.GetTimestamp();
            using var polling = new CancellationTokenSource();
            var directLine = options.IsDirectLine ? await DirectLineCustomers.StartAsync(http, () => bots[0].BaseAddress, settings["DirectLine__Secret"], options.Conversations) : null;
            var poller = directLine?.PollAsync(http, answered, polling.Token) ?? Task.CompletedTask;
            var outcomes = directLine is not null ? await directLine.PostAsync(http, options.Turns) : await Task.WhenAll(Enumerable.Range(0, options.Conversations)
                .Select(c => PostConversationAsync(http, new Uri(bots[c % bots.Count].BaseAddress, "api/messages"), customers.Url, $"kill-{run}-{c}", options.Turns)));
            var accepted = outcomes.SelectMany(o => o.Accepted).ToHashSet(StringComparer.Ordinal);
            var onKilled = outcomes.Where((_, c) => c % bots.Count == 0).Sum(o => o.Accepted.Count);
            var refused = outcomes.SelectMany(o => o.Refused).ToList();
            var postedIn = Stopwatch.GetElapsedTime(started);
            while (answered.Count < options.KillAfter && answered.Count < accepted.Count)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(2));
            }
            var beforeKill = answered.Count;
            await bots[0].KillAsync();
            var atKill = answered.Count;
            var killedAnswered = accepted.Count(id => answered.ContainsKey(id) && (bots.Count == 1 || ConversationIndex(id) % bots.Count == 0));
            Volatile.Write(ref killed, 1);
            directLine?.Killed();
            var killedAt = Stopwatch.GetElapsedTime(started);
            await bots[0].DisposeAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"   posted {total} turns in {postedIn.TotalMilliseconds:0} ms, accepted {accepted.Count} ({onKilled} on the killed instance), refused {refused.Count}; kill -9 at {killedAt.TotalMilliseconds:0} ms with {beforeKill} turns answered ({atKill - beforeKill} more arrived during the kill; {killedAnswered} of all these by the killed instance)"));
            foreach (var problem in refused.Take(5))
            {
                Console.WriteLine($"   ! {problem}");
            }

            // One instance: a restart on the same database replays its inbox. Two: the survivor takes the dead one's inbox over.
            bots[0] = options.Instances == 1 ? BotProcess.Start(options.Fleet.BotDll, settings, data) : bots[^1];
            var survivor = bots[0];
            await survivor.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(60), CancellationToken.None);
            var restarted = Stopwatch.GetTimestamp();
            var lastCount = received.Count + (directLine?.Seen ?? 0);
            var lastChange = Stopwatch.GetTimestamp();
            TimeSpan? allAnswered = null;
            while (Stopwatch.GetElapsedTime(restarted) < options.Timeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
                if (allAnswered is null && accepted.All(answered.ContainsKey))
                {
                    allAnswered = Stopwatch.GetElapsedTime(started) - killedAt;
                }
                if (received.Count + (directLine?.Seen ?? 0) is var count && count != lastCount)
                {
                    (lastCount, lastChange) = (count, Stopwatch.GetTimestamp());
                }
                else if (allAnswered is not null && Stopwatch.GetElapsedTime(lastChange) >= options.Quiet)
                {
                    break;
                }
            }
            await polling.CancelAsync();
            await poller;
            List<Received> replies = directLine is null ? [.. received] : await directLine.HistoryAsync(http);
            var log = survivor.ReadLog();
            if (options.Fleet.KeepLog is { } keep)
            {
                await File.WriteAllTextAsync(keep, log);
            }
            var replayed = options.Instances == 1 ? RecoveringLine().Matches(log).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)) : TakenOverTurns(log);
            if (options.Instances > 1)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"   the survivor took over {replayed} inbox turns; every accepted turn answered {(allAnswered is { } at ? $"{at.TotalMilliseconds:0} ms after the kill" : "never (timeout)")}"));
            }
            if (directLine is not null)
            {
                Console.WriteLine($"   the restarted bot dropped {AlreadyDeliveredLine().Count(log)} repeated Direct Line append(s) by their delivery key (EventId 1315)");
            }
            var problems = log.Split('\n').Count(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
            return Report(options, accepted, replies, beforeKill, replayed, problems, customers.Unexpected + customers.Unreadable);
        }
        finally
        {
            foreach (var bot in bots.Distinct())
            {
                await bot.DisposeAsync();
            }
            try
            {
                data.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
            if (schema is not null)
            {
                await schema.DisposeAsync();
            }
        }
    }

    /// <summary>How many inbox turns a bot's log says it took over from dead instances ("Taking over N inbox turns").</summary>
    public static int TakenOverTurns(string log) => TakeoverLine().Matches(log).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    /// <summary>The conversation number of an activity id "kill-{run}-{c}-{turn}".</summary>
    private static int ConversationIndex(string activityId) => int.Parse(activityId.Split('-')[^2], CultureInfo.InvariantCulture);

    private static int Report(Options options, HashSet<string> accepted, IReadOnlyList<Received> received, int beforeKill, int replayed, int problems, int unserved)
    {
        // Typing indicators carry no content: a replayed turn may type again without the customer seeing anything twice.
        var replies = received.Where(r => r.Type != ActivityTypes.Typing).ToList();
        var byTurn = replies.Where(r => r.ReplyToId is not null && accepted.Contains(r.ReplyToId)).ToLookup(r => r.ReplyToId!, StringComparer.Ordinal);
        var lost = accepted.Count(id => !byTurn.Contains(id));
        // A duplicate: the same reply twice, or a turn answered by the killed bot and again by the restarted one.
        var duplicated = accepted.Where(id => byTurn[id].GroupBy(r => (r.Type, r.Text)).Any(g => g.Count() > 1)
            || (byTurn[id].Any(r => !r.AfterKill) && byTurn[id].Any(r => r.AfterKill))).ToList();
        var resent = accepted.Count(id => byTurn[id].Any(r => !r.AfterKill) && byTurn[id].Any(r => r.AfterKill));
        var extra = accepted.Sum(id => byTurn[id].Count() - byTurn[id].Select(r => (r.Type, r.Text)).Distinct().Count());
        var unknown = replies.Count(r => r.ReplyToId is null || !accepted.Contains(r.ReplyToId));
        var shape = string.Join(' ', accepted.GroupBy(id => byTurn[id].Count()).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"kill-probe: {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC provider {options.Provider} channel {options.Channel} instances {options.Instances} conversations {options.Conversations} turns {options.Turns} accepted {accepted.Count} " +
            $"answered before kill {beforeKill} {(options.Instances == 1 ? "replayed at start" : "taken over")} {replayed} lost {lost} duplicates {duplicated.Count} ({100.0 * duplicated.Count / Math.Max(1, accepted.Count):0.0}%) extra replies {extra} (answered before the kill and again after the restart: {resent}) " +
            $"replies without an accepted turn {unknown}; replies per turn {shape}; bot errors after restart {problems}; Connector requests not served {unserved}; load average {Machine.LoadAverage()}"));
        foreach (var id in duplicated.Take(3))
        {
            Console.WriteLine($"   duplicate: {id}: {string.Join(" | ", byTurn[id].Select(r => Shorten(r.Text)))}");
        }
        return lost + duplicated.Count + unserved > 0 ? 1 : 0;
    }

    private sealed record Posted(IReadOnlyList<string> Accepted, IReadOnlyList<string> Refused);

    /// <summary>One customer's turns, posted one after another without waiting for the replies (all of them queue in the inbox).</summary>
    private static async Task<Posted> PostConversationAsync(HttpClient http, Uri messages, string serviceUrl, string conversationId, int turns)
    {
        var accepted = new List<string>();
        var refused = new List<string>();
        var customer = new EmulatorCustomer(conversationId, serviceUrl);
        for (var t = 0; t < turns; t++)
        {
            var activity = customer.Says(Questions[t % Questions.Length]);
            using var body = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(activity, ProtocolJsonContext.Default.Activity));
            body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            try
            {
                using var response = await http.PostAsync(messages, body);
                if (response.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    accepted.Add(activity.Id!);
                }
                else
                {
                    refused.Add($"{activity.Id}: {(int)response.StatusCode}");
                }
            }
            catch (HttpRequestException exception)
            {
                refused.Add($"{activity.Id}: {exception.Message}");
            }
        }
        return new Posted(accepted, refused);
    }

    private static Options? Parse(string[] args)
    {
        var fleet = new FleetOptions(maxInstances: 2);
        int lease = 3, conversations = 40, turns = 10, killAfter = -1, quiet = 3000, timeout = 120;
        var channel = "connector";
        if (!CommandLine.Read(args, fleet, (name, value) => name switch
        {
            "--lease" => CommandLine.Int(value, 3, 3600, out lease),
            "--conversations" => CommandLine.Int(value, 1, 1_000, out conversations),
            "--turns" => CommandLine.Int(value, 1, 100, out turns),
            "--kill-after" => CommandLine.Int(value, 0, 100_000, out killAfter),
            "--quiet-ms" => CommandLine.Int(value, 0, 60_000, out quiet),
            "--timeout" => CommandLine.Int(value, 1, 600, out timeout),
            "--channel" when value is "connector" or "directline" => (channel = value) is not null,
            _ => false,
        }) || (channel == "directline" && fleet.Instances > 1))
        {
            return null;
        }
        return new Options(fleet, TimeSpan.FromSeconds(lease), conversations, turns, killAfter >= 0 ? killAfter : conversations * turns / 4, TimeSpan.FromMilliseconds(quiet), TimeSpan.FromSeconds(timeout), channel);
    }

    private static string Shorten(string? text) => text is null ? "(no text)" : text.Length <= 40 ? text : text[..40] + "...";

    [GeneratedRegex(@"Running (\d+) inbox turns")]
    private static partial Regex RecoveringLine();

    [GeneratedRegex(@"already delivered at position \d+")]
    private static partial Regex AlreadyDeliveredLine();

    [GeneratedRegex(@"Taking over (\d+) inbox turns")]
    private static partial Regex TakeoverLine();
}
