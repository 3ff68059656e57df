using HandoffBot.Analytics;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Analytics;

/// <summary>
/// A SQLite database with the real schemas and writers, filled through the real paths: customer messages and scores
/// as turn commits (<see cref="ITurnStore"/>), handoffs through <see cref="IHandoffStore"/> transitions.
/// </summary>
internal sealed class AnalyticsSeed : IAsyncDisposable
{
    public static readonly DateTimeOffset Day = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    private readonly SqliteTestDatabase? _owned;
    private readonly SqliteDatabase _database;
    private readonly ITurnStore _turns;

    public AnalyticsSeed()
    {
        var time = new FakeTimeProvider(Day);
        _owned = SqliteTestDatabase.Create(time, new SqliteTranscriptStore.Schema(), new SqliteHandoffStore.Schema(), new SqliteAnalyticsStore.Schema(),
            new SqliteHandoffFeedbackStore.Schema());
        var writers = new SqliteRecordWriters([new SqliteConversationTurnWriter(), new SqliteSatisfactionWriter(), new SqliteHandoffOpenedWriter(), new SqliteHandoffTransitionWriter()]);
        _database = _owned.Database;
        _turns = new SqliteTurnStore(_database, writers, time);
        Handoffs = new SqliteHandoffStore(_database, writers, new HandoffEventSignal());
        Store = new SqliteAnalyticsStore(_database);
        Analytics = new HandoffAnalytics(Store, Microsoft.Extensions.Options.Options.Create(new HandoffBot.Storage.StorageOptions()));
    }

    /// <summary>The stores of a running bot (its database, as the bot writes it).</summary>
    public AnalyticsSeed(IServiceProvider services)
    {
        _database = services.GetRequiredService<SqliteDatabase>();
        _turns = services.GetRequiredService<ITurnStore>();
        Handoffs = services.GetRequiredService<IHandoffStore>();
        Store = services.GetRequiredService<IAnalyticsStore>();
        Analytics = services.GetRequiredService<HandoffAnalytics>();
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

    /// <summary>A co-pilot audit line, as the co-pilot records one (a handoff audit entry with its action).</summary>
    public Task CopilotAsync(string handoffId, string action, DateTimeOffset at) =>
        _database.WriteAsync(session =>
        {
            SqliteHandoffStore.AppendAudit(session, new HandoffAuditEntry(handoffId, at, HandoffActor.Agent("alex", "Alex"), action, HandoffStatus.WithAgent, HandoffStatus.WithAgent, "suggestion"));
            return true;
        }, CancellationToken.None);

    private static HandoffPacket Packet(string id, string trigger, string category, string queue, DateTimeOffset at, string conversation) => new(
        id, "seeded", category, HandoffBot.Escalation.EscalationPriority.Normal, queue, queue,
        [new PacketTrigger("weak", 0.2, Fired: false, "not fired", [], null), new PacketTrigger(trigger, 0.9, Fired: true, "fired", [], category)],
        [], [], [], "question", "summary", "extractive", [], null, "webchat", "en", at, [], conversation);

    public ValueTask DisposeAsync() => _owned?.DisposeAsync() ?? ValueTask.CompletedTask;
}
