using System.Diagnostics;
using System.Globalization;
using HandoffBot.Analytics;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Postgres;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace HandoffBot.Load;

/// <summary>
/// <c>Bot.Load analytics fill|measure (--data FOLDER | --postgres CONNECTION) [--handoffs N] [--days D] [--seed S]</c>:
/// fills a bot database, SQLite in FOLDER or the PostgreSQL schema the connection string's search path names (the real
/// schemas, stores and record writers, so every handoff row, audit line and fact row is written as the bot writes it)
/// with N handoffs spread over the D days before a fixed end, plus the conversations around them; then times the
/// analytics summary for today, 7, 30 and 365 days. Data goes only there (delete it afterwards).
/// </summary>
internal static class AnalyticsData
{
    private static readonly DateTimeOffset End = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Triggers = ["HumanRequest", "Category", "Sentiment", "Frustration", "LowConfidence"];
    private static readonly string[] Categories = ["billing_dispute", "technical", "account", "delivery", "complaint", "cancellation"];
    private static readonly string[] Queues = ["general", "billing", "tech"];

    public const string Usage = "usage: Bot.Load analytics fill|measure (--data FOLDER | --postgres CONNECTION [--replicate N]) [--handoffs 1000000] [--days 365] [--seed 7] [--in-flight 256]";

    /// <summary>The stores of one provider, as the bot composes them.</summary>
    private sealed record Stores(ITurnStore Turns, IHandoffStore Handoffs, IAnalyticsStore Analytics, Func<CancellationToken, Task<long>> CountHandoffsAsync);

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var folder = Option(args, "--data");
        var postgres = Option(args, "--postgres");
        if (args.Length == 0 || args[0] is not ("fill" or "measure") || (folder is null) == (postgres is null))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var handoffs = int.Parse(Option(args, "--handoffs") ?? "1000000", CultureInfo.InvariantCulture);
        var days = double.Parse(Option(args, "--days") ?? "365", CultureInfo.InvariantCulture);
        var seed = int.Parse(Option(args, "--seed") ?? "7", CultureInfo.InvariantCulture);
        var inFlight = int.Parse(Option(args, "--in-flight") ?? "256", CultureInfo.InvariantCulture);
        await using var database = folder is not null ? (IAsyncDisposable)OpenSqlite(folder, out var stores) : OpenPostgres(postgres!, out stores);
        if (args[0] == "fill")
        {
            await FillAsync(stores, handoffs, days, seed, inFlight, cancellationToken);
        }
        if (Option(args, "--replicate") is { } copies && database is PostgresDatabase replicated)
        {
            await ReplicateAsync(replicated, int.Parse(copies, CultureInfo.InvariantCulture), TimeSpan.FromDays(days), cancellationToken);
        }
        await MeasureAsync(stores, cancellationToken);
        return 0;
    }

    private static SqliteDatabase OpenSqlite(string folder, out Stores stores)
    {
        var database = new SqliteDatabase(Options.Create(new StorageOptions { DataFolder = Path.GetFullPath(folder) }),
            [new SqliteTranscriptStore.Schema(), new SqliteHandoffStore.Schema(), new SqliteAnalyticsStore.Schema(), new SqliteHandoffFeedbackStore.Schema()],
            new HostingEnvironment { ContentRootPath = Environment.CurrentDirectory }, TimeProvider.System);
        var writers = new SqliteRecordWriters([new SqliteConversationTurnWriter(), new SqliteSatisfactionWriter(), new SqliteHandoffOpenedWriter(), new SqliteHandoffTransitionWriter()]);
        stores = new Stores(new SqliteTurnStore(database, writers, TimeProvider.System), new SqliteHandoffStore(database, writers, new HandoffEventSignal()),
            new SqliteAnalyticsStore(database), ct => database.ReadAsync(s => (long)s.Command("SELECT count(*) FROM handoff").ExecuteScalar()!, ct));
        return database;
    }

    /// <summary>The PostgreSQL provider on the schema in <paramref name="connection"/>'s search path, with the bot's default pool size.</summary>
    private static PostgresDatabase OpenPostgres(string connection, out Stores stores)
    {
        var database = new PostgresDatabase(Options.Create(new PostgresOptions { ConnectionString = connection, InstanceName = "analytics-load", CommandTimeout = TimeSpan.FromMinutes(10) }),
            [new PostgresTranscriptStore.Schema(), new PostgresHandoffRows.Schema(), new PostgresHandoffFeedbackStore.Schema(), new PostgresAnalyticsStore.Schema()],
            TimeProvider.System);
        var writers = new PostgresRecordWriters([new PostgresConversationTurnWriter(), new PostgresSatisfactionWriter(), new PostgresHandoffOpenedWriter(), new PostgresHandoffTransitionWriter()]);
        stores = new Stores(new PostgresTurnStore(database, writers, TimeProvider.System), new PostgresHandoffStore(database, writers, new HandoffEventSignal()),
            new PostgresAnalyticsStore(database), ct => database.ReadAsync(async s =>
            {
                await using var count = s.Command("SELECT count(*) FROM handoff");
                return (long)(await count.ExecuteScalarAsync(ct))!;
            }, ct));
        return database;
    }

    private static async Task FillAsync(Stores stores, int count, double days, int seed, int inFlight, CancellationToken cancellationToken)
    {
        var (turns, store) = (stores.Turns, stores.Handoffs);
        var clock = Stopwatch.StartNew();
        var next = -1;
        var span = TimeSpan.FromDays(days).Ticks;
        var customers = Math.Max(1, count / 3);
        async Task WorkAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var random = new Random(unchecked((seed * 1_000_003) + i)); // the same data in every process (HashCode is randomised per process)
                var start = End - TimeSpan.FromTicks((long)((double)span * (count - i) / count)) /* in double: span * count overflows a long */ + TimeSpan.FromSeconds(random.Next(60));
                await OneAsync(turns, store, i, start, $"u{random.Next(customers)}", random, cancellationToken);
                if (i % 50_000 == 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {i:N0} handoffs after {clock.Elapsed.TotalSeconds:0} s"));
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(WorkAsync, cancellationToken)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== filled {count:N0} handoffs over {days} days (and {count * 3 / 2:N0} contained conversations) in {clock.Elapsed.TotalSeconds:0} s"));
    }

    /// <summary>One escalated conversation (its messages, the handoff's life, maybe a score) and 1.5 contained ones on average.</summary>
    private static async Task OneAsync(ITurnStore turns, IHandoffStore store, int i, DateTimeOffset at, string user, Random random, CancellationToken ct)
    {
        var conversation = $"conv-{i}";
        var key = StateKeys.Conversation("webchat", conversation);
        var messages = 1 + random.Next(5);
        // The escalated conversation's messages and one or two contained conversations, as one commit (what a turn writes is the same records).
        var said = new List<ITurnRecord>(messages + 2);
        said.AddRange(Enumerable.Range(0, messages).Select(m => new ConversationTurn(key, at + TimeSpan.FromSeconds(m * 20))));
        for (var c = 0; c < (i % 2 == 0 ? 1 : 2); c++)
        {
            said.Add(new ConversationTurn(StateKeys.Conversation("webchat", $"bot-{i}-{c}"), at + TimeSpan.FromMinutes(c + 1)));
        }
        await turns.CommitAsync(new TurnCommit([], null, null, said), ct);
        var now = at + TimeSpan.FromSeconds(messages * 20);
        var queue = Queues[random.Next(Queues.Length)];
        var category = Categories[random.Next(Categories.Length)];
        var trigger = Triggers[random.Next(Triggers.Length)];
        var draft = new HandoffRecord
        {
            Id = $"h{i:D8}",
            CustomerKey = key,
            Customer = new ConversationReference { ChannelId = "webchat", User = new ChannelAccount { Id = user }, Conversation = new ConversationAccount { Id = conversation } },
            Queue = queue,
            Skill = queue,
            Reason = "generated",
            Packet = new HandoffPacket($"h{i:D8}", "generated", category, HandoffBot.Escalation.EscalationPriority.Normal, queue, queue,
                [new PacketTrigger(trigger, 0.9, Fired: true, "generated", ["I want a person"], category)], [], [], [], "question", "summary", "extractive", [],
                null, "webchat", "en", now, [new PacketLine(now, "customer", "I want to speak to a person")], conversation),
        };
        var outcome = random.Next(100);
        if (outcome < 5)
        {
            await store.CreateAsync(HandoffRecord.OpenUnassigned(draft, now, "no agent"), HandoffActor.Customer(user), ct);
            return;
        }
        var id = (await store.CreateAsync(HandoffRecord.Open(draft, now), HandoffActor.Customer(user), ct)).Value!.Id;
        var agent = HandoffActor.Agent($"agent-{random.Next(50)}", "Agent");
        async Task<HandoffRecord?> Move(Func<HandoffRecord, Transition> transition, HandoffActor actor) =>
            (await store.TryTransitionAsync(id, transition, actor, null, ct)).Value;
        now += TimeSpan.FromSeconds(1 + random.Next(120));
        await Move(h => h.Offer(agent.Id, now, "generated"), HandoffActor.System);
        if (outcome < 15)
        {
            now += TimeSpan.FromSeconds(5 + random.Next(300));
            await Move(h => h.Cancel(now, "left"), HandoffActor.Customer(user));
            return;
        }
        now += TimeSpan.FromSeconds(2 + random.Next(40));
        await Move(h => h.Accept(agent.Id, "Agent", now), agent);
        if (outcome < 22)
        {
            now += TimeSpan.FromSeconds(30 + random.Next(300));
            await Move(h => h.Transfer("tech", "tech", now, "generated"), agent);
            now += TimeSpan.FromSeconds(5 + random.Next(60));
            await Move(h => h.Accept("agent-tech", "Tech", now), HandoffActor.Agent("agent-tech", "Tech"));
        }
        now += TimeSpan.FromSeconds(60 + random.Next(900));
        var ended = await Move(h => h.End(now, "done"), agent);
        if (ended is not null && random.Next(100) < 40)
        {
            await turns.CommitAsync(new TurnCommit([], null, null, [new SatisfactionScore(id, key, ended.AgentId, 1 + random.Next(5), now + TimeSpan.FromSeconds(10))]), ct);
        }
    }

    /// <summary>
    /// PostgreSQL only (<c>--replicate N</c>): copies the fact rows the real writers produced N - 1 times, each copy
    /// <paramref name="span"/> further back (keys suffixed), oldest first, so a fill of D days through the stores becomes
    /// N * D days of facts at the same density; then VACUUM ANALYZE. The handoff and audit rows are not copied (the
    /// summary reads the fact tables and the co-pilot entries of the audit only).
    /// </summary>
    private static async Task ReplicateAsync(PostgresDatabase database, int copies, TimeSpan span, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await database.ReadAsync(async session =>
        {
            for (var k = copies - 1; k >= 1; k--)
            {
                await session.ExecuteAsync("""
                    INSERT INTO analytics_conversation (key, started_at, turns, handoffs)
                    SELECT key || '#' || @k, started_at - @shift, turns, handoffs FROM analytics_conversation WHERE strpos(key, '#') = 0
                    """, ("k", k), ("shift", span * k));
                await session.ExecuteAsync("""
                    INSERT INTO analytics_handoff (handoff_id, created_at, conversation_key, customer, trigger, category, queue, outcome, escalate_turns, escalate_us,
                        offered_at, accepted_at, wait_us, accept_us, ended_at, handle_us, transfers, reopen, csat)
                    SELECT handoff_id || '#' || @k, created_at - @shift, conversation_key || '#' || @k, customer || '#' || @k, trigger, category, queue, outcome,
                        escalate_turns, escalate_us, offered_at - @shift, accepted_at - @shift, wait_us, accept_us, ended_at - @shift, handle_us, transfers, reopen, csat
                    FROM analytics_handoff WHERE strpos(handoff_id, '#') = 0 ORDER BY created_at
                    """, ("k", k), ("shift", span * k));
            }
            await session.ExecuteAsync("VACUUM ANALYZE analytics_conversation");
            await session.ExecuteAsync("VACUUM ANALYZE analytics_handoff");
            return true;
        }, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== replicated the facts {copies} times ({span.TotalDays * copies:0.#} days) in {clock.Elapsed.TotalSeconds:0} s"));
    }

    private static async Task MeasureAsync(Stores stores, CancellationToken cancellationToken)
    {
        var analytics = new HandoffAnalytics(stores.Analytics);
        var total = await stores.CountHandoffsAsync(cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== {total:N0} handoffs stored; the summary for the periods ending {End:yyyy-MM-dd} (5 runs each; the first is cold)"));
        var facts = stores.Analytics;
        for (var run = 0; run < 3; run++)
        {
            var parts = Stopwatch.StartNew();
            await facts.CountConversationsAsync(End - TimeSpan.FromDays(30), End, cancellationToken);
            var conversations = parts.Elapsed.TotalMilliseconds;
            var read = await facts.ReadHandoffsAsync(End - TimeSpan.FromDays(30), End, cancellationToken);
            var handoffs = parts.Elapsed.TotalMilliseconds - conversations;
            await facts.CountCopilotAsync(End - TimeSpan.FromDays(30), End, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   30 days by part: conversations {conversations:0.0} ms, {read.Groups.Sum(g => g.Handoffs):N0} handoff facts {handoffs:0.0} ms, co-pilot {parts.Elapsed.TotalMilliseconds - conversations - handoffs:0.0} ms"));
        }
        foreach (var (name, length) in new[] { ("today", TimeSpan.FromDays(1)), ("7 days", TimeSpan.FromDays(7)), ("30 days", TimeSpan.FromDays(30)), ("365 days", TimeSpan.FromDays(365)) })
        {
            var times = new List<double>();
            var cpu = new List<double>();
            AnalyticsSummary? summary = null;
            for (var run = 0; run < 5; run++)
            {
                var clock = Stopwatch.StartNew();
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                summary = await analytics.SummarizeAsync(End - length, End, cancellationToken);
                times.Add(clock.Elapsed.TotalMilliseconds);
                cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-9} {summary!.Handoffs,9:N0} handoffs {summary.Conversations,10:N0} conversations: first {times[0],7:0.0} ms, then median {times.Skip(1).Order().ElementAt(1),7:0.0} ms, max {times.Skip(1).Max(),7:0.0} ms, CPU median {cpu.Skip(1).Order().ElementAt(1),6:0} ms (wait p90 {summary.WaitSeconds.P90} s, reopened {summary.Reopened:N0}, CSV {Fingerprint(summary)})"));
        }
    }

    /// <summary>The first 12 hex digits of the SHA-256 of the summary's CSV: equal on two providers filled alike means every figure is equal.</summary>
    private static string Fingerprint(AnalyticsSummary summary) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(AnalyticsCsv.Write(summary))))[..12];

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
