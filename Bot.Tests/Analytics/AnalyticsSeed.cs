using HandoffBot.Analytics;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Postgres;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Analytics;

/// <summary>
/// A bot database with the real schemas and writers (SQLite or PostgreSQL), filled through the real paths: customer
/// messages, scores and co-pilot audit lines as turn commits (<see cref="ITurnStore"/>), handoffs through
/// <see cref="IHandoffStore"/> transitions.
/// </summary>
internal sealed class AnalyticsSeed : IAsyncDisposable
{
    public static readonly DateTimeOffset Day = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    private readonly IAsyncDisposable? _owned;
    private readonly ITurnStore _turns;

    private AnalyticsSeed(IAsyncDisposable? owned, ITurnStore turns, IHandoffStore handoffs, IAnalyticsStore store)
    {
        _owned = owned;
        _turns = turns;
        Handoffs = handoffs;
        Store = store;
        Analytics = new HandoffAnalytics(store);
    }

    /// <summary>The stores of a running bot (its database, as the bot writes it), on whichever provider it runs.</summary>
    public AnalyticsSeed(IServiceProvider services)
        : this(null, services.GetRequiredService<ITurnStore>(), services.GetRequiredService<IHandoffStore>(), services.GetRequiredService<IAnalyticsStore>())
    {
    }

    /// <summary>A new SQLite database (shared in-memory) with the schemas and writers the analytics touch.</summary>
    public static AnalyticsSeed OnSqlite()
    {
        var time = new FakeTimeProvider(Day);
        var test = SqliteTestDatabase.Create(time, new SqliteTranscriptStore.Schema(), new SqliteHandoffStore.Schema(), new SqliteAnalyticsStore.Schema(),
            new SqliteHandoffFeedbackStore.Schema());
        var writers = new SqliteRecordWriters([new SqliteConversationTurnWriter(), new SqliteSatisfactionWriter(), new SqliteHandoffOpenedWriter(),
            new SqliteHandoffTransitionWriter(), new SqliteHandoffAuditWriter()]);
        return new AnalyticsSeed(test, new SqliteTurnStore(test.Database, writers, time), new SqliteHandoffStore(test.Database, writers, new HandoffEventSignal()),
            new SqliteAnalyticsStore(test.Database));
    }

    /// <summary>A new PostgreSQL schema on the throwaway cluster with the schemas and writers the analytics touch.</summary>
    public static async Task<AnalyticsSeed> OnPostgresAsync()
    {
        var time = new FakeTimeProvider(Day);
        var test = await PostgresTestDatabase.CreateAsync(time, new PostgresTranscriptStore.Schema(), new PostgresHandoffRows.Schema(),
            new PostgresHandoffFeedbackStore.Schema(), new PostgresAnalyticsStore.Schema());
        var writers = new PostgresRecordWriters([new PostgresConversationTurnWriter(), new PostgresSatisfactionWriter(), new PostgresHandoffOpenedWriter(),
            new PostgresHandoffTransitionWriter(), new PostgresHandoffAuditWriter()]);
        return new AnalyticsSeed(test, new PostgresTurnStore(test.Database, writers, time), new PostgresHandoffStore(test.Database, writers, new HandoffEventSignal()),
            new PostgresAnalyticsStore(test.Database));
    }

    public IHandoffStore Handoffs { get; }

    public IAnalyticsStore Store { get; }

    public HandoffAnalytics Analytics { get; }

    public static DateTimeOffset At(TimeSpan offset) => Day + offset;

    /// <summary>A customer message in <paramref name="conversation"/> at <paramref name="at"/>, committed as its turn.</summary>
    public Task MessageAsync(string conversation, DateTimeOffset at) =>
        _turns.CommitAsync(new TurnCommit([], null, null, [new ConversationTurn(Key(conversation), at)]), CancellationToken.None);

    public Task RateAsync(HandoffRecord handoff, int score, DateTimeOffset at) =>
        _turns.CommitAsync(new TurnCommit([], null, null, [new SatisfactionScore(handoff.Id, handoff.CustomerKey, handoff.AgentId, score, at)]), CancellationToken.None);

    public static string Key(string conversation) => StateKeys.Conversation("webchat", conversation);

    /// <summary>Opens a handoff for <paramref name="user"/> in <paramref name="conversation"/>; null trigger: no packet.</summary>
    public async Task<HandoffRecord> OpenAsync(string id, string conversation, string user, DateTimeOffset at, string queue, string? trigger, string? category, bool unassigned = false)
    {
        var draft = new HandoffRecord
        {
            Id = id,
            CustomerKey = Key(conversation),
            Customer = new ConversationReference { ChannelId = "webchat", User = new ChannelAccount { Id = user }, Conversation = new ConversationAccount { Id = conversation } },
            Queue = queue,
            Skill = queue,
            Reason = "seeded",
            Packet = trigger is null ? null : Packet(id, trigger, category!, queue, at, conversation),
        };
        var opened = unassigned ? HandoffRecord.OpenUnassigned(draft, at, "no agent") : HandoffRecord.Open(draft, at);
        var created = await Handoffs.CreateAsync(opened, HandoffActor.Customer(user), CancellationToken.None);
        return created.Value ?? throw new InvalidOperationException(created.Error!.Message);
    }

    public async Task<HandoffRecord> MoveAsync(string id, Func<HandoffRecord, Transition> transition, string actor = "system")
    {
        var moved = await Handoffs.TryTransitionAsync(id, transition, new HandoffActor(HandoffActorKinds.Parse(actor), actor), CancellationToken.None);
        return moved.Value ?? throw new InvalidOperationException(moved.Error!.Message);
    }

    /// <summary>A co-pilot audit line, as the co-pilot records one (a handoff audit entry with its action, in a commit of its own).</summary>
    public Task CopilotAsync(string handoffId, string action, DateTimeOffset at) =>
        _turns.CommitAsync(new TurnCommit([], null, null,
            [new HandoffAuditRecord(new HandoffAuditEntry(handoffId, at, HandoffActor.Agent("alex", "Alex"), action, HandoffStatus.WithAgent, HandoffStatus.WithAgent, "suggestion"))]),
            CancellationToken.None);

    private static HandoffPacket Packet(string id, string trigger, string category, string queue, DateTimeOffset at, string conversation) => new(
        id, "seeded", category, HandoffBot.Escalation.EscalationPriority.Normal, queue, queue,
        [new PacketTrigger("weak", 0.2, Fired: false, "not fired", [], null), new PacketTrigger(trigger, 0.9, Fired: true, "fired", [], category)],
        [], [], [], "question", "summary", "extractive", [], null, "webchat", "en", at, [], conversation);

    public ValueTask DisposeAsync() => _owned?.DisposeAsync() ?? ValueTask.CompletedTask;
}
