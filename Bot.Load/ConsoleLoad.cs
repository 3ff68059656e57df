using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HandoffBot.Protocol;
using Activity = HandoffBot.Protocol.Activity;

namespace HandoffBot.Load;

/// <summary>
/// The agent console under load (issue #10): the bot as a child process with N agents (API keys, no Teams hub), every
/// agent connected to the console's push channel (<c>/agent/api/events</c>, Server-Sent Events), and M customer
/// conversations on the normal channel path (<c>/api/messages</c>, replies through a loopback customer Connector).
/// Each customer asks for a person; the agent the offer reaches accepts it over the console API; the customer writes
/// once; the agent ends. Measured: trigger POST -> the offer event on that agent's push stream, and customer message
/// POST -> the message event on the agent's push stream; plus the bot's CPU per handoff. With <c>--provider postgres
/// --instances N</c> the bots share one fresh schema: the customers post to the first, the agents' push streams and
/// console calls go to the last, so both figures cross instances.
/// </summary>
internal static class ConsoleLoad
{
    public const string Usage = "Usage: Bot.Load console [--agents 200] [--conversations 500] [--rounds 3] [--warmup-rounds 2] [--spread-ms 0] [--timeout 30]\n" +
        "                        [--provider sqlite|postgres] [--instances 1] [--postgres <connection string>] [--bot-dll <path>]\n" +
        "  --spread-ms 0: every customer of a round asks for a person at once (a burst); N: each starts at a random moment within N ms\n" +
        "  --instances N (postgres): customers on the first bot, agents on the last\n" + FleetOptions.Usage;

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        int agents = 200, conversations = 500, rounds = 3, warmupRounds = 2, timeoutSeconds = 30, spreadMs = 0;
        var fleetOptions = new FleetOptions();
        if (!CommandLine.Read(args, fleetOptions, (name, value) => name switch
            {
                "--agents" => CommandLine.Int(value, 1, 2000, out agents),
                "--conversations" => CommandLine.Int(value, 1, 10_000, out conversations),
                "--rounds" => CommandLine.Int(value, 1, 100, out rounds),
                "--warmup-rounds" => CommandLine.Int(value, 0, 100, out warmupRounds),
                "--timeout" => CommandLine.Int(value, 1, 600, out timeoutSeconds),
                "--spread-ms" => CommandLine.Int(value, 0, 600_000, out spreadMs),
                _ => false,
            }))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var timeout = TimeSpan.FromSeconds(timeoutSeconds);
        Round? current = null;
        await using var customers = await LoopbackConnector.StartAsync("customer", (activity, _) => Volatile.Read(ref current)?.OnCustomerActivity(activity));

        var capacity = (conversations + agents - 1) / agents + 1;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Routing__OfferTimeout"] = "01:00:00",
        };
        for (var i = 0; i < agents; i++)
        {
            var agent = $"Routing__Agents__{i}__";
            settings[agent + "Id"] = AgentId(i);
            settings[agent + "Name"] = $"Agent {i}";
            settings[agent + "HubUserId"] = $"console-{i}";
            settings[agent + "Skills__general"] = "3";
            settings[agent + "CapacityPerChannel__*"] = capacity.ToString(CultureInfo.InvariantCulture);
            settings[agent + "CapacityPerChannel__emulator"] = capacity.ToString(CultureInfo.InvariantCulture);
            var key = $"Access__ApiKeys__{i}__";
            settings[key + "Name"] = $"Agent {i}";
            settings[key + "Key"] = Key(i);
            settings[key + "Role"] = "agent";
            settings[key + "AgentId"] = AgentId(i);
        }

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, MaxConnectionsPerServer = 512 }) { Timeout = timeout };
        using var streams = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = Timeout.InfiniteTimeSpan };
        await using var fleet = await BotFleet.StartAsync(fleetOptions, settings, "console_load", http, cancellationToken);
        var (customerBot, bot) = (fleet.Bots[0], fleet.Bots[^1]);
        Console.WriteLine($"== {fleet.Description} (Production, {agents} console agents x capacity {capacity}, no Teams hub; customers on {customerBot.BaseAddress}, agents on {bot.BaseAddress})");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var connected = new CountdownEvent(agents);
        var listeners = Enumerable.Range(0, agents).Select(i => ListenAsync(streams, bot.BaseAddress, i, connected, () => Volatile.Read(ref current), stop.Token)).ToArray();
        if (!connected.Wait(TimeSpan.FromSeconds(60), cancellationToken))
        {
            Console.WriteLine($"only {agents - connected.CurrentCount} of {agents} push connections opened");
            return 1;
        }
        Console.WriteLine($"== {agents} agents connected to the push channel");

        var exit = 0;
        var offers = new List<double>();
        var messages = new List<double>();
        var cpuBefore = TimeSpan.Zero;
        for (var r = 1 - warmupRounds; r <= rounds; r++)
        {
            if (r == 1)
            {
                cpuBefore = (await fleet.SampleCpuAsync(cancellationToken)).Bots;
            }
            var round = new Round(http, customerBot.BaseAddress, bot.BaseAddress, customers.Url, timeout, TimeSpan.FromMilliseconds(spreadMs), $"console-{Environment.ProcessId}-{r + warmupRounds}");
            Volatile.Write(ref current, round);
            var elapsed = Stopwatch.StartNew();
            await round.RunAsync(conversations, cancellationToken);
            var o = round.OfferMs.Order().ToArray();
            var m = round.MessageMs.Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"   {(r <= 0 ? "warm-up" : "round " + r)}: {conversations} conversations in {elapsed.Elapsed.TotalSeconds:0.0} s; trigger->offer p50 {P(o, 50):0.0} p99 {P(o, 99):0.0} ms; " +
                $"message->agent p50 {P(m, 50):0.0} p99 {P(m, 99):0.0} ms; failed {round.Failed}"));
            foreach (var error in round.Errors.Take(5))
            {
                Console.WriteLine("   ! " + error);
            }
            exit |= round.Failed > 0 ? 1 : 0;
            if (r >= 1)
            {
                offers.AddRange(o);
                messages.AddRange(m);
            }
        }
        var cpu = (await fleet.SampleCpuAsync(cancellationToken)).Bots - cpuBefore;
        var offersSorted = offers.Order().ToArray();
        var messagesSorted = messages.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"console: {fleetOptions.Provider} instances {fleet.Bots.Count} agents {agents} conversations {conversations} rounds {rounds} spread {spreadMs} ms handoffs {offersSorted.Length}; trigger->offer shown p50 {P(offersSorted, 50):0.0} p90 {P(offersSorted, 90):0.0} p99 {P(offersSorted, 99):0.0} ms; " +
            $"customer message->agent push p50 {P(messagesSorted, 50):0.0} p90 {P(messagesSorted, 90):0.0} p99 {P(messagesSorted, 99):0.0} ms; " +
            $"bot CPU per handoff (trigger, offer to {agents} streams, accept, message, end) {cpu.TotalMicroseconds / Math.Max(1, offersSorted.Length):0} us; " +
            $"load average {(File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a")}"));
        await stop.CancelAsync();
        await Task.WhenAll(listeners.Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default)));
        return exit | (offersSorted.Length == conversations * rounds ? 0 : 1);
    }

    private static string AgentId(int i) => $"console-agent-{i}";

    private static string Key(int i) => $"console-load-key-{i:D4}-0123456789";

    private static double P(double[] sorted, double percent) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>One agent's push connection: reads Server-Sent Events and hands offers and customer messages to the round.</summary>
    private static async Task ListenAsync(HttpClient streams, Uri bot, int index, CountdownEvent connected, Func<Round?> round, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(bot, "agent/api/events"));
        request.Headers.Add("X-Api-Key", Key(index));
        using var response = await streams.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        connected.Signal();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        var name = "";
        try
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "handoff")
                {
                    var arrived = Stopwatch.GetTimestamp();
                    using var data = JsonDocument.Parse(line[6..]);
                    round()?.OnAgentEvent(AgentId(index), Key(index), data.RootElement, arrived);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private sealed class Round(HttpClient http, Uri customerBot, Uri bot, string serviceUrl, TimeSpan timeout, TimeSpan spread, string prefix)
    {
        private readonly ConcurrentDictionary<string, Conversation> _byCustomer = new(StringComparer.Ordinal);
        private readonly ConcurrentBag<double> _offerMs = [];
        private readonly ConcurrentBag<double> _messageMs = [];
        private readonly ConcurrentQueue<string> _errors = new();
        private int _failed;

        public IReadOnlyCollection<double> OfferMs => _offerMs;

        public IReadOnlyCollection<double> MessageMs => _messageMs;

        public int Failed => Volatile.Read(ref _failed);

        public IEnumerable<string> Errors => _errors;

        public async Task RunAsync(int conversations, CancellationToken cancellationToken)
        {
            var all = Enumerable.Range(0, conversations).Select(i => new Conversation($"{prefix}-{i}")).ToList();
            foreach (var c in all)
            {
                _byCustomer[c.Customer] = c;
            }
            await Task.WhenAll(all.Select(c => ConverseAsync(c, cancellationToken)));
        }

        public void OnCustomerActivity(Activity activity) => _ = activity;

        public void OnAgentEvent(string agent, string key, JsonElement data, long arrived)
        {
            if (data.GetProperty("customer").GetString() is not { } customer || !_byCustomer.TryGetValue(customer, out var conversation))
            {
                return;
            }
            var action = data.GetProperty("action").GetString();
            if (action == "offer" && data.GetProperty("offeredTo").GetString() == agent)
            {
                conversation.Offered.TrySetResult((arrived, agent, key, data.GetProperty("handoffId").GetString()!));
            }
            else if (action == "message" && data.GetProperty("agent").GetString() == agent
                && data.GetProperty("line").GetProperty("kind").GetString() == "customer")
            {
                conversation.Heard.TrySetResult(arrived);
            }
        }

        private async Task ConverseAsync(Conversation c, CancellationToken cancellationToken)
        {
            try
            {
                if (spread > TimeSpan.Zero)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * spread.TotalMilliseconds), cancellationToken);
                }
                var triggered = Stopwatch.GetTimestamp();
                await PostActivityAsync(c.Says("I want to speak to a person, please", serviceUrl), cancellationToken);
                var (offeredAt, agent, key, handoff) = await c.Offered.Task.WaitAsync(timeout, cancellationToken);
                _offerMs.Add(Stopwatch.GetElapsedTime(triggered, offeredAt).TotalMilliseconds);
                await ConsoleAsync(key, $"agent/api/handoffs/{handoff}/accept", cancellationToken);
                var sent = Stopwatch.GetTimestamp();
                await PostActivityAsync(c.Says("my order number is 12345", serviceUrl), cancellationToken);
                var heard = await c.Heard.Task.WaitAsync(timeout, cancellationToken);
                _messageMs.Add(Stopwatch.GetElapsedTime(sent, heard).TotalMilliseconds);
                await ConsoleAsync(key, $"agent/api/handoffs/{handoff}/end", cancellationToken);
                _ = agent;
            }
            catch (Exception exception) when (exception is TimeoutException or HttpRequestException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failed);
                _errors.Enqueue($"{c.Customer}: {exception.Message}");
            }
        }

        private async Task PostActivityAsync(Activity activity, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(activity, ProtocolJsonContext.Default.Activity));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(new Uri(customerBot, "api/messages"), content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /api/messages answered {(int)response.StatusCode}");
            }
        }

        private async Task ConsoleAsync(string key, string path, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(bot, path));
            request.Headers.Add("X-Api-Key", key);
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }

    private sealed class Conversation(string id)
    {
        private EmulatorCustomer? _customer;

        public string Customer { get; } = "customer-" + id;

        public TaskCompletionSource<(long At, string Agent, string Key, string Handoff)> Offered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<long> Heard { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Activity Says(string text, string serviceUrl) => (_customer ??= new EmulatorCustomer(id, serviceUrl, Customer)).Says(text);
    }
}
