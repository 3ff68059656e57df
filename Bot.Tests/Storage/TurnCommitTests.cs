using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HandoffBot.Assistant;
using HandoffBot.Escalation;
using HandoffBot.Hosting;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HandoffBot.Tests.Storage;

/// <summary>Optimistic concurrency and the single per-turn commit, on the real stores of each provider.</summary>
public abstract class TurnCommitContract
{
    private readonly BotFactory _factory;

    protected TurnCommitContract(BotFactory factory) => _factory = factory;

    private T Get<T>() where T : notnull => _factory.Services.GetRequiredService<T>();

    private static int AssistantTurns(StateDocument? state) =>
        state is null ? 0 : JsonDocument.Parse(state.Json).RootElement.GetProperty("assistant").GetProperty("turns").GetArrayLength();

    [Fact]
    public async Task TwoTurnsOfOneConversationRacingBothKeepTheirStateUpdate()
    {
        using var client = _factory.CreateClient();
        var conversation = $"race-{Guid.NewGuid():N}";
        Task<HttpResponseMessage> Post(string id, string text) => client.PostAsJsonAsync(MessagesEndpoint.Path, new Activity
        {
            Type = ActivityTypes.Message,
            Id = id,
            ChannelId = "emulator",
            DeliveryMode = DeliveryModes.ExpectReplies,
            Conversation = new ConversationAccount { Id = conversation },
            From = new ChannelAccount { Id = "customer", Role = RoleTypes.User },
            Recipient = new ChannelAccount { Id = "bot", Role = RoleTypes.Bot },
            Text = text,
        }, ProtocolJsonContext.Default.Activity);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Post($"r-{i}", "where is my order?")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var state = await Get<IConversationStateStore>().ReadAsync(StateKeys.Conversation("emulator", conversation), CancellationToken.None);
        Assert.Equal(8, AssistantTurns(state));
        Assert.Equal(8, state!.Version);
        Assert.Equal(16, (await Get<ITranscriptStore>().ReadAsync("emulator", conversation, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task AWriteAtAStaleVersionFailsAndChangesNothing()
    {
        var store = Get<IConversationStateStore>();
        var key = $"test/conversations/{Guid.NewGuid():N}";
        var first = await store.WriteAsync(key, """{"n":1}""", null, CancellationToken.None);
        await store.WriteAsync(key, """{"n":2}""", first, CancellationToken.None);

        await Assert.ThrowsAsync<StateConflictException>(() => store.WriteAsync(key, """{"n":3}""", first, CancellationToken.None));
        await Assert.ThrowsAsync<StateConflictException>(() => store.WriteAsync(key, """{"n":4}""", null, CancellationToken.None));

        var stored = await store.ReadAsync(key, CancellationToken.None);
        Assert.Equal(("""{"n":2}""", 2L), (stored!.Json, stored.Version));
    }

    [Fact]
    public async Task ACommitAtAStaleVersionKeepsNoneOfItsTranscriptAuditOrOutboxRows()
    {
        var state = Get<IConversationStateStore>();
        var conversation = $"stale-{Guid.NewGuid():N}";
        var key = StateKeys.Conversation("emulator", conversation);
        var first = await state.WriteAsync(key, """{"n":1}""", null, CancellationToken.None);
        await state.WriteAsync(key, """{"n":2}""", first, CancellationToken.None);
        var reply = new Activity
        {
            Type = ActivityTypes.Message,
            Text = "your parcel left the depot",
            ChannelId = "emulator",
            Conversation = new ConversationAccount { Id = conversation },
            From = new ChannelAccount { Id = "bot", Role = RoleTypes.Bot },
        };
        var outboxKey = $"customer:{conversation}:notice";
        ITurnRecord[] records =
        [
            new EscalationAuditEntry(key, "a-1", _factory.Time.GetUtcNow(), false, EscalationDecision.None([])),
            new HandoffBot.Handoff.OutboxMessage(outboxKey, "h-" + conversation, reply, ToCustomer: true),
        ];

        // The state write is checked first in intent: at a version that moved on, nothing of the commit is kept.
        await Assert.ThrowsAsync<StateConflictException>(() =>
            Get<ITurnStore>().CommitAsync(new TurnCommit([reply], new StateWrite(key, """{"n":"stale"}""", first), null, records), CancellationToken.None));

        Assert.Equal("""{"n":2}""", (await state.ReadAsync(key, CancellationToken.None))!.Json);
        Assert.Empty(await Get<ITranscriptStore>().ReadAsync("emulator", conversation, CancellationToken.None));
        Assert.Empty(await Get<IEscalationAuditStore>().ReadAsync(key, CancellationToken.None));
        Assert.DoesNotContain(await Get<HandoffBot.Handoff.IHandoffOutbox>().UndeliveredAsync(CancellationToken.None), item => item.Key == outboxKey);

        // The same commit at the current version keeps all of it.
        await Get<ITurnStore>().CommitAsync(new TurnCommit([reply], new StateWrite(key, """{"n":3}""", first + 1), null, records), CancellationToken.None);
        Assert.Equal("""{"n":3}""", (await state.ReadAsync(key, CancellationToken.None))!.Json);
        Assert.Single(await Get<ITranscriptStore>().ReadAsync("emulator", conversation, CancellationToken.None));
        Assert.Single(await Get<IEscalationAuditStore>().ReadAsync(key, CancellationToken.None));
        Assert.Contains(await Get<HandoffBot.Handoff.IHandoffOutbox>().UndeliveredAsync(CancellationToken.None), item => item.Key == outboxKey);
    }

    [Fact]
    public async Task ConcurrentWritesCommitTogetherAndAConflictRollsBackOnlyItself()
    {
        var store = Get<IConversationStateStore>();
        var prefix = $"test/conversations/{Guid.NewGuid():N}";
        var stale = $"{prefix}-stale";
        await store.WriteAsync(stale, "{}", null, CancellationToken.None);

        var writes = Enumerable.Range(0, 64).Select(i => store.WriteAsync($"{prefix}-{i}", $$"""{"i":{{i}}}""", null, CancellationToken.None)).ToList();
        var conflict = store.WriteAsync(stale, """{"lost":true}""", 7, CancellationToken.None);

        Assert.All(await Task.WhenAll(writes), version => Assert.Equal(1, version));
        await Assert.ThrowsAsync<StateConflictException>(() => conflict);
        for (var i = 0; i < 64; i++)
        {
            Assert.Equal($$"""{"i":{{i}}}""", (await store.ReadAsync($"{prefix}-{i}", CancellationToken.None))!.Json);
        }
        Assert.Equal("{}", (await store.ReadAsync(stale, CancellationToken.None))!.Json);
    }

    [Fact]
    public async Task ATurnThatLosesARaceWithAnotherInstanceFailsLoudlyButKeepsItsTranscript()
    {
        var store = Get<IConversationStateStore>();
        var pipeline = new TurnPipeline(
            [Get<TranscriptMiddleware>(), Get<ConversationStateMiddleware>(), new OtherInstanceSavesFirst(store)],
            Get<AssistantBot>(),
            Get<ITurnStore>(),
            Get<ILogger<TurnPipeline>>());
        var adapter = new TestAdapter(pipeline, _factory.Time) { ConversationId = $"other-{Guid.NewGuid():N}" };
        var key = StateKeys.Conversation(adapter.ChannelId, adapter.ConversationId);

        await Assert.ThrowsAsync<StateConflictException>(() => adapter.ProcessAsync(adapter.MakeMessage("where is my order?")));

        Assert.Equal("""{"other":"instance"}""", (await store.ReadAsync(key, CancellationToken.None))!.Json);
        var transcript = await Get<ITranscriptStore>().ReadAsync(adapter.ChannelId, adapter.ConversationId, CancellationToken.None);
        Assert.Equal([RoleTypes.User, RoleTypes.Bot], transcript.Select(a => a.From?.Role));
    }

    [Fact]
    public async Task ATurnThatLosesARaceBeforeAnsweringRunsAgainOnceFromTheFreshStateAndStoresOneCopy()
    {
        var store = Get<IConversationStateStore>();
        var (quiet, adapter) = QuietBotLosingRaces(times: 1);
        var key = StateKeys.Conversation(adapter.ChannelId, adapter.ConversationId);

        await adapter.ProcessAsync(adapter.MakeMessage("hello"));

        Assert.Equal(2, quiet.Turns);
        var state = JsonDocument.Parse((await store.ReadAsync(key, CancellationToken.None))!.Json).RootElement;
        Assert.Equal("instance", state.GetProperty("other").GetString());
        Assert.Equal("turn-2", Assert.Single(state.GetProperty("escalation").GetProperty("cooldownReasons").EnumerateArray()).GetString());
        var transcript = await Get<ITranscriptStore>().ReadAsync(adapter.ChannelId, adapter.ConversationId, CancellationToken.None);
        Assert.Equal([RoleTypes.User], transcript.Select(a => a.From?.Role));
    }

    [Fact]
    public async Task ATurnThatLosesTheRaceTwiceFailsLoudlyAndStoresNoStateOfItsOwn()
    {
        var store = Get<IConversationStateStore>();
        var (quiet, adapter) = QuietBotLosingRaces(times: 2);
        var key = StateKeys.Conversation(adapter.ChannelId, adapter.ConversationId);

        await Assert.ThrowsAsync<StateConflictException>(() => adapter.ProcessAsync(adapter.MakeMessage("hello")));

        Assert.Equal(2, quiet.Turns);
        Assert.Equal("""{"other":"instance","n":2}""", (await store.ReadAsync(key, CancellationToken.None))!.Json);
        var transcript = await Get<ITranscriptStore>().ReadAsync(adapter.ChannelId, adapter.ConversationId, CancellationToken.None);
        Assert.Equal([RoleTypes.User], transcript.Select(a => a.From?.Role));
    }

    /// <summary>A quiet bot behind transcript and state, with another instance saving first in its first <paramref name="times"/> attempts.</summary>
    private (CountsAndStaysQuiet Bot, TestAdapter Adapter) QuietBotLosingRaces(int times)
    {
        var quiet = new CountsAndStaysQuiet();
        var pipeline = new TurnPipeline(
            [Get<TranscriptMiddleware>(), Get<ConversationStateMiddleware>(), new OtherInstanceSavesFirst(Get<IConversationStateStore>(), times)],
            quiet,
            Get<ITurnStore>(),
            Get<ILogger<TurnPipeline>>());
        return (quiet, new TestAdapter(pipeline, _factory.Time) { ConversationId = $"retry-{Guid.NewGuid():N}" });
    }

    /// <summary>A bot that counts its turns in state and answers nothing.</summary>
    private sealed class CountsAndStaysQuiet : IBot
    {
        public int Turns { get; private set; }

        public Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken)
        {
            Turns++;
            var state = turn.Features.GetRequired<ConversationState>();
            state.Set(state.Get<EscalationHistory>() with { CooldownReasons = [$"turn-{Turns}"] });
            return Task.CompletedTask;
        }
    }

    /// <summary>Saves the conversation's state behind the turn's back (the first <paramref name="times"/> attempts), as a second bot instance would.</summary>
    private sealed class OtherInstanceSavesFirst(IConversationStateStore store, int times = 1) : IMiddleware
    {
        private int _saved;

        public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
        {
            if (_saved < times)
            {
                _saved++;
                var key = StateKeys.Conversation(turn.Activity.ChannelId!, turn.Activity.Conversation!.Id!);
                var current = await store.ReadAsync(key, cancellationToken);
                await store.WriteAsync(key, _saved == 1 ? """{"other":"instance"}""" : """{"other":"instance","n":2}""", current?.Version, cancellationToken);
            }
            await next(cancellationToken);
        }
    }
}

public sealed class ConversationStateTests
{
    [Fact]
    public void SectionsThisBuildDoesNotKnowSurviveASaveUnchanged()
    {
        var state = new ConversationState("k", """{"handoff":{"status":"queued","n":[1,2]},"assistant":{"turns":[],"welcomed":false}}""", 3);

        state.Set(state.Get<HandoffBot.Assistant.AssistantState>() with { Welcomed = true });

        Assert.Equal("""{"handoff":{"status":"queued","n":[1,2]},"assistant":{"turns":[],"welcomed":true}}""", state.ToJson());
        Assert.Equal(3, state.Version);
    }

    [Fact]
    public void AConversationWithNoStateStartsEmptyAndSavesOnlyWhatWasSet()
    {
        var state = new ConversationState("k", (string?)null, null);

        Assert.False(state.HasChanges);
        Assert.Same(HandoffBot.Assistant.AssistantState.Empty, state.Get<HandoffBot.Assistant.AssistantState>());
        state.Set(HandoffBot.Assistant.AssistantState.Empty with { Welcomed = true });

        Assert.True(state.HasChanges);
        Assert.Equal("""{"assistant":{"turns":[],"welcomed":true}}""", state.ToJson());
    }
}

public sealed class SqliteTurnCommitTests(BotFactory factory) : TurnCommitContract(factory), IClassFixture<BotFactory>;

public sealed class PostgresTurnCommitTests(PostgresBotFactory factory) : TurnCommitContract(factory), IClassFixture<PostgresBotFactory>;
