using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using HandoffBot.Protocol;
using Activity = HandoffBot.Protocol.Activity;

namespace HandoffBot.Load;

/// <summary>
/// Issue 13 item 6, first bullet (<c>Bot.Load kill-probe --relay</c>, <c>eng/kill-probe.sh --relay</c>): two bots on one
/// fresh PostgreSQL schema (instance lease 3 s), N customers on the Connector path (the customer Connector of this
/// process), customer c posting to bot c mod 2, each asking for a person; agents on the web console's HTTP API (API keys,
/// what agent-console.md names for tools) of the instance that is not the routing owner accept the offers; then both
/// sides send numbered messages at a steady pace. While they do, the routing owner (read from <c>pg_locks</c>) gets
/// SIGKILL and is not restarted; its customers post to the survivor from then on (as a load balancer would), a post
/// that failed at the kill again with the same activity id (as a channel redelivers). Counted by the numbers in the texts:
/// every customer message once in its handoff's event log on the survivor (<c>GET /agent/api/handoffs/{id}</c>), every
/// agent message once at the customer Connector; the survivor owning routing, and after how long; no outbox row left unsent.
/// </summary>
internal static partial class RelayKillProbe
{
    public const string Usage = """
        Usage: Bot.Load kill-probe --relay [--conversations 20] [--agents 5] [--messages 20] [--pace-ms 400] [--kill-after-ms 3000]
                                           [--lease 3] [--quiet-ms 3000] [--timeout 60] [--postgres <connection string>] [--bot-dll <path>] [--keep-log <file>]
          always PostgreSQL and 2 instances; --messages numbered messages each way per conversation, one every --pace-ms;
          --kill-after-ms: kill -9 the routing owner this long after the relay began
        """;

    private const string Trigger = "I want to speak to a person, please";

    /// <summary>Attempts that failed and were made again (a post in flight at the kill, or to the dead instance before the switch).</summary>
    private static int s_retries;

    private sealed record Options(FleetOptions Fleet, TimeSpan Lease, int Conversations, int Agents, int Messages, TimeSpan Pace, TimeSpan KillAfter, TimeSpan Quiet, TimeSpan Timeout);

    /// <summary>One customer: the conversation, the name the console shows, and (after the accept) the handoff and its agent's key.</summary>
    private sealed class Customer(int index, string run, string serviceUrl)
    {
        public int Index { get; } = index;

        public string ConversationId { get; } = $"relay-{run}-{index}";

        public string Name { get; } = $"relay-customer-{index}";

        public EmulatorCustomer Channel { get; } = new($"relay-{run}-{index}", serviceUrl, $"relay-customer-{index}");

        public string? HandoffId { get; set; }

        public string? AgentKey { get; set; }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        if (Parse(args) is not { } options)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var toCustomers = new ConcurrentQueue<(string? Conversation, string? Text)>();
        await using var connector = await LoopbackConnector.StartAsync("customer", (activity, _) => toCustomers.Enqueue((activity.Conversation?.Id, activity.Text)));
        var settings = Settings(options);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(30) };
        await using var fleet = await BotFleet.StartAsync(options.Fleet, settings, "relay_kill", http, CancellationToken.None);
        try
        {
            var owner = await OwnerIndexAsync(fleet, TimeSpan.FromSeconds(30));
            if (owner is not { } ownerIndex)
            {
                Console.WriteLine("relay-kill-probe: no routing owner in pg_locks within 30 s");
                return 1;
            }
            var survivor = fleet.Bots[1 - ownerIndex];
            Console.WriteLine($"== relay kill probe: {fleet.Description}; routing owner: instance {ownerIndex + 1}; agents on instance {2 - ownerIndex}; " +
                $"{options.Conversations} customers, {options.Agents} console agents, {options.Messages} messages each way at {options.Pace.TotalMilliseconds:0} ms, lease {options.Lease:c} ({Environment.ProcessorCount} cores, load average {Machine.LoadAverage()})");

            var run = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            var customers = Enumerable.Range(0, options.Conversations).Select(c => new Customer(c, run, connector.Url)).ToList();
            var dead = -1;
            Uri Target(Customer c) => new(fleet.Bots[Volatile.Read(ref dead) == c.Index % 2 ? 1 - ownerIndex : c.Index % 2].BaseAddress, "api/messages");
            var deadline = Stopwatch.GetTimestamp() + (long)(options.Timeout.TotalSeconds * Stopwatch.Frequency);

            await Task.WhenAll(customers.Select(c => PostAsync(http, () => Target(c), c.Channel.Says(Trigger), deadline)));
            if (!await AcceptAllAsync(http, survivor.BaseAddress, customers, options, deadline))
            {
                Console.WriteLine($"relay-kill-probe: only {customers.Count(c => c.HandoffId is not null)} of {customers.Count} handoffs accepted within {options.Timeout.TotalSeconds:0} s");
                return 1;
            }
            Console.WriteLine($"   {customers.Count} handoffs accepted on instance {2 - ownerIndex}; relaying");
            deadline = Stopwatch.GetTimestamp() + (long)(options.Timeout.TotalSeconds * Stopwatch.Frequency); // the relay's own time from here

            var started = Stopwatch.GetTimestamp();
            var relay = customers.SelectMany(c => new[]
            {
                CustomerSendsAsync(http, c, () => Target(c), options, deadline),
                AgentSendsAsync(http, survivor.BaseAddress, c, options, deadline),
            }).ToArray();
            await Task.Delay(options.KillAfter);
            var killedOwner = await OwnerIndexAsync(fleet, TimeSpan.FromSeconds(5));
            var sentAtKill = toCustomers.Count;
            await fleet.Bots[ownerIndex].KillAsync();
            var killedAt = Stopwatch.GetTimestamp();
            Volatile.Write(ref dead, ownerIndex);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"   kill -9 of instance {ownerIndex + 1} (pid {fleet.Bots[ownerIndex].ProcessId}, owner in pg_locks just before: {(killedOwner is { } k ? $"instance {k + 1}" : "none")}) {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms into the relay, {sentAtKill} activities at the customer Connector so far"));
            TimeSpan? takeover = null;
            while (takeover is null && Stopwatch.GetElapsedTime(killedAt) < TimeSpan.FromSeconds(30))
            {
                if (await OwnerIndexAsync(fleet, TimeSpan.Zero) == 1 - ownerIndex)
                {
                    takeover = Stopwatch.GetElapsedTime(killedAt);
                }
                else
                {
                    await Task.Delay(20);
                }
            }
            var refused = (await Task.WhenAll(relay)).Sum();

            // Everything in, or the timeout: then a quiet period for late (duplicate) deliveries.
            Counts counts;
            IReadOnlyDictionary<string, int> outbox;
            int unsent;
            while (true)
            {
                counts = await CountAsync(http, survivor.BaseAddress, customers, toCustomers, options.Messages);
                outbox = await fleet.OutboxRowsAsync(CancellationToken.None);
                unsent = NotSent(outbox);
                if ((counts.Complete && unsent == 0) || Stopwatch.GetTimestamp() > deadline)
                {
                    break;
                }
                await Task.Delay(250);
            }
            await Task.Delay(options.Quiet);
            counts = await CountAsync(http, survivor.BaseAddress, customers, toCustomers, options.Messages);
            outbox = await fleet.OutboxRowsAsync(CancellationToken.None);
            unsent = NotSent(outbox);

            var log = survivor.ReadLog();
            if (options.Fleet.KeepLog is { } keep)
            {
                await File.WriteAllTextAsync(keep, fleet.ReadLogs());
            }
            var takenOver = KillProbe.TakenOverTurns(log);
            var errors = log.Split('\n').Count(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"relay-kill-probe: {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC conversations {customers.Count} messages {options.Messages} each way; " +
                $"customer->agent lost {counts.CustomerLost} duplicates {counts.CustomerDuplicates} out of order {counts.CustomerOutOfOrder}; " +
                $"agent->customer lost {counts.AgentLost} duplicates {counts.AgentDuplicates} out of order {counts.AgentOutOfOrder}; " +
                $"routing owner taken over by the survivor {(takeover is { } t ? $"{t.TotalMilliseconds:0} ms" : "never (30 s)")} after the kill; " +
                $"inbox turns taken over {takenOver}; outbox rows not sent {unsent} (sent, by the instance that sent them: {string.Join(", ", outbox.Where(o => o.Key.EndsWith(" sent", StringComparison.Ordinal)).Select(o => $"{InstanceNumber(o.Key)} {o.Value}"))}); requests refused {refused} (attempts made again {Volatile.Read(ref s_retries)}); survivor errors {errors}; " +
                $"Connector requests not served {connector.Unexpected + connector.Unreadable}; load average {Machine.LoadAverage()}"));
            var bad = counts.CustomerLost + counts.CustomerDuplicates + counts.AgentLost + counts.AgentDuplicates + unsent + refused;
            return bad > 0 || takeover is null || killedOwner != ownerIndex ? 1 : 0;
        }
        finally
        {
            await fleet.StopAsync();
        }
    }

    private static int NotSent(IReadOnlyDictionary<string, int> outbox) => outbox.Where(o => !o.Key.EndsWith(" sent", StringComparison.Ordinal)).Sum(o => o.Value);

    /// <summary>"instance 2" for an outbox key "relay-kill-...-2 sent".</summary>
    private static string InstanceNumber(string key) => key.Split(' ')[0] is var name && name.Length > 2 && name[^2] == '-' ? $"instance {name[^1]}" : name;

    private static Dictionary<string, string> Settings(Options options)
    {
        var capacity = ((options.Conversations + options.Agents - 1) / options.Agents).ToString(CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Storage__Postgres__InstanceLease"] = options.Lease.ToString("c", CultureInfo.InvariantCulture),
            ["Routing__OfferTimeout"] = "00:05:00",
        };
        for (var i = 0; i < options.Agents; i++)
        {
            var agent = $"Routing__Agents__{i}__";
            settings[agent + "Id"] = $"relay-agent-{i}";
            settings[agent + "Name"] = $"Agent {i}";
            settings[agent + "HubUserId"] = $"relay-console-{i}";
            settings[agent + "Skills__general"] = "3";
            settings[agent + "CapacityPerChannel__*"] = capacity;
            settings[agent + "CapacityPerChannel__emulator"] = capacity;
            var key = $"Access__ApiKeys__{i}__";
            settings[key + "Name"] = $"Agent {i}";
            settings[key + "Key"] = AgentKey(i);
            settings[key + "Role"] = "agent";
            settings[key + "AgentId"] = $"relay-agent-{i}";
        }
        return settings;
    }

    private static string AgentKey(int i) => $"relay-kill-key-{i:D4}-0123456789";

    /// <summary>The fleet's instance (0 or 1) holding the routing owner's lock in pg_locks, polled for up to <paramref name="wait"/>.</summary>
    private static async Task<int?> OwnerIndexAsync(BotFleet fleet, TimeSpan wait)
    {
        var started = Stopwatch.GetTimestamp();
        do
        {
            if (await fleet.RoutingOwnerAsync(CancellationToken.None) is { } owner && !owner.Contains(',', StringComparison.Ordinal))
            {
                return owner.EndsWith("-1", StringComparison.Ordinal) ? 0 : 1;
            }
            await Task.Delay(50);
        }
        while (Stopwatch.GetElapsedTime(started) < wait);
        return null;
    }

    /// <summary>Each agent polls its console state on the survivor and accepts the offers made to it, until every customer is accepted.</summary>
    private static async Task<bool> AcceptAllAsync(HttpClient http, Uri bot, List<Customer> customers, Options options, long deadline)
    {
        var byName = customers.ToDictionary(c => c.Name, StringComparer.Ordinal);
        while (customers.Any(c => c.HandoffId is null) && Stopwatch.GetTimestamp() < deadline)
        {
            for (var i = 0; i < options.Agents; i++)
            {
                using var state = await ConsoleAsync(http, HttpMethod.Get, bot, "agent/api/state", AgentKey(i), null);
                using var json = JsonDocument.Parse(await state.Content.ReadAsStringAsync());
                foreach (var offer in json.RootElement.GetProperty("offers").EnumerateArray())
                {
                    if (byName.TryGetValue(offer.GetProperty("customer").GetString() ?? "", out var customer) && customer.HandoffId is null)
                    {
                        var id = offer.GetProperty("id").GetString()!;
                        using var accepted = await ConsoleAsync(http, HttpMethod.Post, bot, $"agent/api/handoffs/{id}/accept", AgentKey(i), null);
                        if (accepted.IsSuccessStatusCode)
                        {
                            (customer.HandoffId, customer.AgentKey) = (id, AgentKey(i));
                        }
                    }
                }
            }
            await Task.Delay(200);
        }
        return customers.All(c => c.HandoffId is not null);
    }

    /// <summary>The customer's numbered messages, one every pace; returns how many were never accepted.</summary>
    private static async Task<int> CustomerSendsAsync(HttpClient http, Customer c, Func<Uri> target, Options options, long deadline)
    {
        var refused = 0;
        for (var n = 1; n <= options.Messages; n++)
        {
            await Task.Delay(options.Pace);
            refused += await PostAsync(http, target, c.Channel.Says($"customer message {n}"), deadline) ? 0 : 1;
        }
        return refused;
    }

    /// <summary>The agent's numbered replies to one customer through the console API, each with its own key (a retry reuses it).</summary>
    private static async Task<int> AgentSendsAsync(HttpClient http, Uri bot, Customer c, Options options, long deadline)
    {
        var refused = 0;
        for (var n = 1; n <= options.Messages; n++)
        {
            await Task.Delay(options.Pace);
            var body = new { key = $"relay-{c.Index}-{n}", text = $"agent message {n} for {c.ConversationId}" };
            refused += await RetryAsync(async () =>
            {
                using var response = await ConsoleAsync(http, HttpMethod.Post, bot, $"agent/api/handoffs/{c.HandoffId}/messages", c.AgentKey!, JsonContent.Create(body));
                return response.IsSuccessStatusCode;
            }, deadline) ? 0 : 1;
        }
        return refused;
    }

    /// <summary>Posts a customer activity until an instance answers 200; each attempt asks <paramref name="target"/> again (the dead instance drops out).</summary>
    private static Task<bool> PostAsync(HttpClient http, Func<Uri> target, Activity activity, long deadline) => RetryAsync(async () =>
    {
        using var body = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(activity, ProtocolJsonContext.Default.Activity));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(target(), body);
        return response.StatusCode == System.Net.HttpStatusCode.OK;
    }, deadline);

    private static async Task<bool> RetryAsync(Func<Task<bool>> attempt, long deadline)
    {
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                if (await attempt())
                {
                    return true;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // the instance died under the request, or is gone: the next attempt goes where the target says
            }
            Interlocked.Increment(ref s_retries);
            await Task.Delay(100);
        }
        return false;
    }

    private static async Task<HttpResponseMessage> ConsoleAsync(HttpClient http, HttpMethod method, Uri bot, string path, string key, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, new Uri(bot, path)) { Content = content };
        request.Headers.Add("X-Api-Key", key);
        return await http.SendAsync(request);
    }

    private sealed record Counts(int CustomerLost, int CustomerDuplicates, int CustomerOutOfOrder, int AgentLost, int AgentDuplicates, int AgentOutOfOrder)
    {
        public bool Complete => CustomerLost == 0 && AgentLost == 0;
    }

    /// <summary>Customer messages in each handoff's event log on the survivor, agent messages at the customer Connector, by number.</summary>
    private static async Task<Counts> CountAsync(HttpClient http, Uri survivor, List<Customer> customers, ConcurrentQueue<(string? Conversation, string? Text)> toCustomers, int messages)
    {
        var toAgents = new List<(Customer Customer, int Number)>();
        foreach (var c in customers)
        {
            using var workspace = await ConsoleAsync(http, HttpMethod.Get, survivor, $"agent/api/handoffs/{c.HandoffId}", c.AgentKey!, null);
            using var json = JsonDocument.Parse(await workspace.Content.ReadAsStringAsync());
            toAgents.AddRange(json.RootElement.GetProperty("timeline").EnumerateArray()
                .Where(l => l.GetProperty("sequence").GetInt64() > 0 && l.GetProperty("kind").GetString() == "customer")
                .Select(l => CustomerNumber().Match(l.GetProperty("text").GetString() ?? ""))
                .Where(m => m.Success)
                .Select(m => (c, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))));
        }
        var byConversation = customers.ToDictionary(c => c.ConversationId, StringComparer.Ordinal);
        var toCustomer = toCustomers.Select(a => AgentNumber().Match(a.Text ?? ""))
            .Where(m => m.Success && byConversation.ContainsKey(m.Groups[2].Value))
            .Select(m => (Customer: byConversation[m.Groups[2].Value], Number: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))).ToList();
        var (customerLost, customerDuplicates, customerOutOfOrder) = Tally(customers, toAgents, messages);
        var (agentLost, agentDuplicates, agentOutOfOrder) = Tally(customers, toCustomer, messages);
        return new Counts(customerLost, customerDuplicates, customerOutOfOrder, agentLost, agentDuplicates, agentOutOfOrder);
    }

    /// <summary>Per customer, numbers 1..messages expected once each, in the order received: (missing, received more than once, received after a higher number).</summary>
    private static (int Lost, int Duplicates, int OutOfOrder) Tally(List<Customer> customers, List<(Customer Customer, int Number)> received, int messages)
    {
        int lost = 0, duplicates = 0, outOfOrder = 0;
        foreach (var c in customers)
        {
            var numbers = received.Where(r => r.Customer == c).Select(r => r.Number).ToList();
            lost += Enumerable.Range(1, messages).Count(n => !numbers.Contains(n));
            duplicates += numbers.Count - numbers.Distinct().Count();
            foreach (var twice in numbers.GroupBy(n => n).Where(g => g.Count() > 1).Take(2))
            {
                Console.WriteLine($"   duplicate: {c.ConversationId} message {twice.Key} received {twice.Count()} times");
            }
            outOfOrder += numbers.Where((n, i) => i > 0 && n < numbers.Take(i).Max()).Count();
        }
        return (lost, duplicates, outOfOrder);
    }

    private static Options? Parse(string[] args)
    {
        var fleet = new FleetOptions(maxInstances: 2);
        int lease = 3, conversations = 20, agents = 5, messages = 20, pace = 400, killAfter = 3000, quiet = 3000, timeout = 60;
        // Always PostgreSQL and two instances: the defaults go first, so the fleet's own options are read from the rest.
        if (!CommandLine.Read(["--provider", "postgres", "--instances", "2", .. args], fleet, (name, value) => name switch
        {
            "--lease" => CommandLine.Int(value, 3, 3600, out lease),
            "--conversations" => CommandLine.Int(value, 1, 500, out conversations),
            "--agents" => CommandLine.Int(value, 1, 100, out agents),
            "--messages" => CommandLine.Int(value, 1, 1_000, out messages),
            "--pace-ms" => CommandLine.Int(value, 10, 60_000, out pace),
            "--kill-after-ms" => CommandLine.Int(value, 0, 600_000, out killAfter),
            "--quiet-ms" => CommandLine.Int(value, 0, 60_000, out quiet),
            "--timeout" => CommandLine.Int(value, 1, 600, out timeout),
            _ => false,
        }) || fleet.Instances != 2 || !fleet.IsPostgres)
        {
            return null;
        }
        return new Options(fleet, TimeSpan.FromSeconds(lease), conversations, agents, messages, TimeSpan.FromMilliseconds(pace), TimeSpan.FromMilliseconds(killAfter),
            TimeSpan.FromMilliseconds(quiet), TimeSpan.FromSeconds(timeout));
    }

    [GeneratedRegex(@"^customer message (\d+)$")]
    private static partial Regex CustomerNumber();

    [GeneratedRegex(@"^agent message (\d+) for (\S+)$")]
    private static partial Regex AgentNumber();
}
