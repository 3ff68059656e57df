using System.Globalization;
using HandoffBot.Load;

// Trigger-to-hub-notified latency (issue #4): the bot as a child process, a customer Connector and a hub Connector
// in this process, N customer conversations per round in a closed loop over HTTP. See README, "Benchmarks and load".
if (args.Length > 0 && args[0] == "console")
{
    // The agent console under load: `Bot.Load console --agents 200 --conversations 500` (`eng/load-handoff.sh console ...`).
    return await ConsoleLoad.RunAsync(args[1..], CancellationToken.None);
}
if (args.Length > 0 && args[0] == "analytics")
{
    // 1,000,000 stored handoffs and the analytics over them: `Bot.Load analytics fill --data /tmp/analytics-data` (eng/analytics-data.sh).
    return await AnalyticsData.RunAsync(args[1..], CancellationToken.None);
}
if (args.Length > 0 && args[0] == "turns")
{
    // Routine expectReplies turns with wrk, 1 bot on SQLite or N on one PostgreSQL schema: `Bot.Load turns --provider postgres --instances 2` (eng/load.sh).
    return await TurnLoad.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "postgres-cpu")
{
    // The CPU of a PostgreSQL server on this machine so far (sample before and after a run): `Bot.Load postgres-cpu --postgres <cs>`.
    return await PostgresCpu.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "kill-probe")
{
    // kill -9 with accepted turns queued, restart on the same database, lost and duplicated replies (issue 13 item 5; eng/kill-probe.sh).
    return await KillProbe.RunAsync(args[1..]);
}
var options = LoadOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

HandoffRound? current = null;
await using var customers = await LoopbackConnector.StartAsync("customer", (activity, arrived) => Volatile.Read(ref current)?.OnCustomerActivity(activity, arrived));
await using var hub = await LoopbackConnector.StartAsync("hub", (activity, arrived) => Volatile.Read(ref current)?.OnHubActivity(activity, arrived));

// Enough capacity that every handoff of the run can be offered at once (warm-up rounds are bounded by time: estimated).
var total = (options.Conversations * options.Rounds) + (int)((options.Warmup > TimeSpan.Zero ? options.Warmup + JitWarmUp.MaximumExtra : TimeSpan.Zero).TotalSeconds * 200);
var agents = Math.Max(options.Agents, (total + 999) / 1000);
var capacity = Math.Max(10, (total + agents - 1) / agents);
var settings = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["Handoff__Hub__ChannelId"] = "emulator",
    ["Handoff__Hub__ServiceUrl"] = hub.Url,
    ["Handoff__Hub__ConversationId"] = "hub-conversation",
    ["Handoff__Hub__BotId"] = "bot-hub",
    // The hub here never answers an offer; with the default 45 s timeout the warm-up's unanswered offers would expire
    // and be offered again during the measured rounds, which is offer churn, not the trigger-to-hub path.
    ["Routing__OfferTimeout"] = "01:00:00",
};
// Agents 0-2 are merged with the three of appsettings.json (their extra skills stay); all have "general" and capacity here.
for (var i = 0; i < agents; i++)
{
    var key = $"Routing__Agents__{i}__";
    settings[key + "Id"] = $"load-agent-{i}";
    settings[key + "Name"] = $"Agent {i}";
    settings[key + "HubUserId"] = $"hub-agent-{i}";
    settings[key + "Skills__general"] = "3";
    settings[key + "CapacityPerChannel__*"] = capacity.ToString(CultureInfo.InvariantCulture);
    settings[key + "CapacityPerChannel__emulator"] = capacity.ToString(CultureInfo.InvariantCulture);
}

using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = options.Timeout };
var exit = 0;
await using (var fleet = await BotFleet.StartAsync(options.Fleet, settings, "load_handoff", http, stop.Token))
{
    Console.WriteLine($"== {fleet.Description} (Production, {agents} agents x capacity {capacity}); customer Connector {customers.Url}, hub Connector {hub.Url}");
    var messages = fleet.Messages;
    var run = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    var jit = new JitWarmUp(fleet, http);

    async Task<RoundResult> RoundAsync(string name, int conversations)
    {
        var round = new HandoffRound(http, messages, customers.Url, options.Timeout, options.Think, options.TriggerWindow);
        Volatile.Write(ref current, round);
        var result = await round.RunAsync($"handoff-{run}-{name}", conversations, stop.Token);
        var sorted = result.TriggerToHubMs.Order().ToArray();
        Console.WriteLine($"   {name}: {conversations} conversations in {result.Elapsed.TotalSeconds:0.0} s, handoffs {sorted.Length}, " +
            $"p50 {Machine.Percentile(sorted, 50):0.0} ms, p99 {Machine.Percentile(sorted, 99):0.0} ms, missing {result.Missing}, failed {result.Failed}" +
            (round.DuplicateHandoffs + round.UnknownHandoffs > 0 ? $", duplicate handoff.initiate {round.DuplicateHandoffs}, unknown {round.UnknownHandoffs}" : ""));
        exit |= round.DuplicateHandoffs + round.UnknownHandoffs > 0 ? 1 : 0;
        foreach (var error in result.Errors)
        {
            Console.WriteLine($"   ! {error}");
        }
        foreach (var unmatched in round.UnmatchedSamples)
        {
            Console.WriteLine($"   ? customer activity that answered no waiting turn: {unmatched}");
        }
        return result;
    }

    if (options.Warmup > TimeSpan.Zero)
    {
        Console.WriteLine($"== warm-up: at least {options.Warmup.TotalSeconds:0} s, then until the JIT settles, of rounds of {Math.Min(options.Conversations, 200)} conversations (discarded)");
        Console.WriteLine(await jit.RunAsync(options.Warmup, async w =>
        {
            var warm = await RoundAsync($"warmup{w}", Math.Min(options.Conversations, 200));
            exit |= warm.Missing + warm.Failed > 0 ? 1 : 0;
        }, stop.Token));
    }

    var pacing = (options.Think > TimeSpan.Zero ? $"think time {options.Think.TotalMilliseconds:0} ms +-50%" : "no think time")
        + (options.TriggerWindow > TimeSpan.Zero ? $", triggers within {options.TriggerWindow.TotalMilliseconds:0} ms once all are open" : ", each trigger right after its own questions");
    Console.WriteLine($"== load: {options.Conversations} concurrent conversations x {options.Rounds} rounds, {pacing} ({Environment.ProcessorCount} cores, load average {Machine.LoadAverage()})");
    var cpuBefore = await fleet.SampleCpuAsync(stop.Token);
    var jitBefore = await jit.CompiledMethodsAsync(stop.Token);
    var ownCpuBefore = OwnCpuTime();
    var samples = new List<double>();
    var replies = new List<double>();
    var afterTurn = new List<double>();
    var offers = new List<double>();
    var missingOffers = 0;
    var missing = 0;
    var failed = 0;
    var unmatched = 0;
    for (var r = 1; r <= options.Rounds && !stop.IsCancellationRequested; r++)
    {
        var result = await RoundAsync($"round{r}", options.Conversations);
        samples.AddRange(result.TriggerToHubMs);
        replies.AddRange(result.TriggerToReplyMs);
        afterTurn.AddRange(result.NoticeToHubMs);
        offers.AddRange(result.TriggerToOfferMs);
        missingOffers += result.MissingOffers;
        missing += result.Missing;
        failed += result.Failed;
        unmatched += result.UnmatchedReplies;
    }
    var cpu = (await fleet.SampleCpuAsync(CancellationToken.None)).PerUnitSince(cpuBefore, options.Conversations * options.Rounds);
    var jitDuring = await jit.CompiledMethodsAsync(CancellationToken.None) - jitBefore;
    var routingOwner = await fleet.RoutingOwnerAsync(CancellationToken.None);
    var ownCpu = OwnCpuTime() - ownCpuBefore;
    var conversationsRun = options.Conversations * options.Rounds;
    var all = samples.Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"trigger-to-hub: conversations {options.Conversations} rounds {options.Rounds} think {options.Think.TotalMilliseconds:0} ms trigger window {options.TriggerWindow.TotalMilliseconds:0} ms handoffs {all.Length} " +
        $"p50 {Machine.Percentile(all, 50):0.0} ms p90 {Machine.Percentile(all, 90):0.0} ms p99 {Machine.Percentile(all, 99):0.0} ms max {(all.Length > 0 ? all[^1] : double.NaN):0.0} ms " +
        $"missing {missing} failed {failed}"));
    var answered = replies.Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"trigger-to-waiting-notice (the escalating turn itself, for comparison): p50 {Machine.Percentile(answered, 50):0.0} ms p90 {Machine.Percentile(answered, 90):0.0} ms p99 {Machine.Percentile(answered, 99):0.0} ms"));
    var after = afterTurn.Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"waiting-notice-to-hub (commit and delivery after the turn, per handoff): p50 {Machine.Percentile(after, 50):0.0} ms p90 {Machine.Percentile(after, 90):0.0} ms p99 {Machine.Percentile(after, 99):0.0} ms"));
    var offered = offers.Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"trigger-to-offer (the routing owner's offer to an agent at the hub): p50 {Machine.Percentile(offered, 50):0.0} ms p90 {Machine.Percentile(offered, 90):0.0} ms p99 {Machine.Percentile(offered, 99):0.0} ms offers {offered.Length} missing {missingOffers}"));
    var postgresCpu = double.IsNaN(cpu.Postgres) ? "" : string.Create(CultureInfo.InvariantCulture,
        $"postgres CPU per conversation: {cpu.Postgres:0} us (this run's backends {cpu.PostgresClients:0} us); routing owner: {routingOwner ?? "none"}; ");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"bot CPU per conversation (welcome, 2 questions, handoff; sum over {fleet.Bots.Count} instance(s)): {cpu.Bots:0} us " +
        $"(this tool, same cores: {ownCpu.TotalMicroseconds / Math.Max(1, conversationsRun):0} us); methods JIT-compiled during the rounds: {jitDuring}; {postgresCpu}" +
        $"load average {Machine.LoadAverage()}; " +
        $"Connector requests not served: customer {customers.Unexpected + customers.Unreadable}, hub {hub.Unexpected + hub.Unreadable}; " +
        $"customer activities that answered no waiting turn: {unmatched}"));
    exit |= missing + failed + missingOffers > 0 || all.Length != conversationsRun ? 1 : 0;
    exit |= customers.Unexpected + customers.Unreadable + hub.Unexpected + hub.Unreadable > 0 ? 1 : 0;

    if (options.Fleet.KeepLog is { } keep)
    {
        await File.WriteAllTextAsync(keep, fleet.ReadLogs(), CancellationToken.None);
    }
    var problems = fleet.Problems();
    if (problems.Count > 0)
    {
        Console.WriteLine($"== the bot logged {problems.Count} warnings/errors; the first ones:");
        foreach (var line in problems.Take(10))
        {
            Console.WriteLine("   " + line);
        }
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"RESULT tool=handoff provider={options.Fleet.Provider} instances={fleet.Bots.Count} handoffs={all.Length} conversations={conversationsRun} " +
        $"handoff_p50_ms={Machine.Percentile(all, 50):0.0} handoff_p90_ms={Machine.Percentile(all, 90):0.0} handoff_p99_ms={Machine.Percentile(all, 99):0.0} " +
        $"offer_p50_ms={Machine.Percentile(offered, 50):0.0} offer_p99_ms={Machine.Percentile(offered, 99):0.0} missing_offers={missingOffers} " +
        $"missing={missing} failed={failed} bot_warnings_errors={problems.Count} bot_cpu_us_per_conversation={cpu.Bots:0} jit_methods={jitDuring} pg_cpu_us_per_conversation={cpu.Postgres:0} " +
        $"routing_owner={routingOwner ?? "none"} load_average={Machine.LoadAverage().Replace(' ', '/')}"));
}
return exit;

static TimeSpan OwnCpuTime()
{
    using var self = System.Diagnostics.Process.GetCurrentProcess();
    return self.TotalProcessorTime;
}
