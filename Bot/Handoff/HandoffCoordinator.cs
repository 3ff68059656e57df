using System.Text.Json;
using HandoffBot.AgentHub;
using HandoffBot.Assistant;
using HandoffBot.Escalation;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Resources;
using HandoffBot.Routing;
using HandoffBot.Storage;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>
/// Runs handoffs: opens them from an escalation decision (or offers alternatives when no qualified agent is
/// available), feeds the routing engine, offers to the chosen agent, handles accept / decline / presence / end /
/// cancel, and tells the customer the truth at every step. Offers are made by <see cref="HandoffDispatcher"/>, transfers
/// are <see cref="HandoffTransfers"/>, the periodic look (timeouts, waits, positions) is <see cref="HandoffSweep"/>. The store is the source of truth; the routing
/// engine is told about every change.
/// </summary>
public sealed partial class HandoffCoordinator(
    IHandoffStore store,
    IRoutingEngine routing,
    RoutingProjection projection,
    HubNotifier hub,
    IEnumerable<IAgentChannel> channels,
    IHandoffOutbox outbox,
    OutboxSignal outboxSignal,
    Events.HandoffEventSignal events,
    HandoffIntakeQueue intake,
    HandoffPacketBuilder packets,
    ITranscriptStore transcripts,
    IAgentDirectory agents,
    ICopy copy,
    HandoffWording wording,
    WaitPositions positions,
    HandoffDispatcher dispatcher,
    IEscalationSuppression suppression,
    IOptions<HandoffOptions> options,
    IOptions<RoutingOptions> times,
    TimeProvider time,
    ILogger<HandoffCoordinator> logger)
{
    /// <summary>The customer conversation's key, as handoffs are stored under it.</summary>
    public static string CustomerKey(Activity activity) => StateKeys.Conversation(activity.ChannelId!, activity.Conversation!.Id!);

    /// <summary>
    /// Starts a handoff for the customer's turn: checks that a qualified agent can come within the maximum wait,
    /// builds the packet, queues and announces it, and tells the customer their position and honest wait.
    /// </summary>
    public async Task<HandoffRecord?> StartAsync(ITurnContext turn, EscalationDecision decision, CancellationToken cancellationToken)
    {
        await projection.EnsureLoadedAsync(cancellationToken);
        var activity = turn.Activity;
        var state = turn.Features.GetRequired<ConversationState>();
        var now = time.GetUtcNow();
        var id = Guid.NewGuid().ToString("N");
        var committed = await transcripts.ReadAsync(activity.ChannelId!, activity.Conversation!.Id!, cancellationToken);
        // This turn's own activities are committed when the turn ends; the packet needs them now.
        IReadOnlyList<Activity> transcript = [.. committed, .. TurnWrites.Of(turn).Transcript];
        var history = state.Get<EscalationHistory>();
        var packet = await packets.BuildAsync(new PacketSources(id, activity, decision, history, state.Get<AssistantState>(), transcript, now), cancellationToken);
        var draft = new HandoffRecord
        {
            Id = id,
            CustomerKey = CustomerKey(activity),
            Customer = CustomerReference(activity),
            Queue = decision.Queue,
            Skill = decision.Skill,
            Priority = decision.Priority,
            Reason = packet.Reason,
            Packet = packet,
            Locale = activity.Locale,
            Language = packet.Language,
        };

        // With no hub nobody can be reached, so promising a person would be a lie: the customer gets the alternatives.
        var unreachable = !channels.Any(c => c.IsReachable) ? "no agent desk is reachable (configure Handoff:Hub or enable the agent console)"
            : !routing.HasQualifiedAgent(decision.Skill, activity.ChannelId!, now, times.Value.MaxWait)
                ? $"no agent qualified for '{decision.Skill}' within {copy.Duration(Locales.Fallback, times.Value.MaxWait)}"
                : null;
        var writes = TurnWrites.Of(turn);
        var actor = CustomerActor(activity);
        if (unreachable is not null)
        {
            var unassigned = HandoffRecord.OpenUnassigned(draft, now, unreachable);
            if (unassigned.Value is null)
            {
                return null;
            }
            var stored = HandoffOpened.From(unassigned, actor);
            writes.Add(stored);
            HandoffBot.Telemetry.HandoffTelemetry.Opened(stored.Record);
            LogUnassigned(logger, id, unreachable);
            state.Set(new HandoffConversationState(id, Closed: true, CustomerPrompt.Alternatives));
            var menu = ChannelFormatting.WithChoices(activity.CreateReply(copy.Get(activity.Locale, "handoff.unavailable")), wording.AlternativesIn(activity.Locale));
            await SendInTurnAsync(turn, menu, cancellationToken);
            return stored.Record;
        }

        // Intake in the turn, in its one commit: the handoff and its audit line, the state, the customer's notice.
        // Routing, the hub's announcement and the first offer follow the commit (OnOpenedAsync), off the turn.
        var queued = HandoffRecord.Open(draft, now);
        if (queued.Value is null)
        {
            return null;
        }
        var opened = HandoffOpened.From(queued, actor);
        HandoffBot.Telemetry.HandoffTelemetry.Opened(opened.Record); // the announcement and offers join this trace
        suppression.HandoffStarted(state, ReasonsOf(packet));
        state.Set(new HandoffConversationState(id, Closed: false, CustomerPrompt.None));
        LogOpened(logger, id, opened.Record.Queue, opened.Record.Priority);

        var estimate = routing.Preview(RequestOf(opened.Record), now);
        var waiting = activity.CreateReply(copy.Get(activity.Locale, "handoff.connecting", ("wait", wording.DescribeWait(activity.Locale, estimate))));
        await SendInTurnAsync(turn, ChannelFormatting.WithChoices(waiting, [copy.Get(activity.Locale, "handoff.choice.cancel")]), cancellationToken);
        if (estimate is not null)
        {
            positions.Told(id, estimate.Position, now);
        }
        // A one-conversation hub is told in this same commit (the announcement is an outbox row, delivered right after
        // it), unless a language model rewrites the summary first, off the turn: then the intake worker announces.
        var announcedInTurn = hub.AnnouncesInCommit && !packets.RefinesSummary;
        if (announcedInTurn)
        {
            var (announced, message) = hub.Announcement(opened.Record, [.. committed, .. writes.Transcript], now);
            opened = opened with { Record = announced };
            writes.Add(message);
        }
        writes.Add(opened);
        writes.AfterCommit(_ =>
        {
            if (announcedInTurn)
            {
                outboxSignal.Notify();
            }
            intake.Post(id, announcedInTurn);
            return Task.CompletedTask;
        });
        var created = opened.Record;
        return created;
    }

    /// <summary>
    /// The slow part of intake, after the customer's turn committed the handoff: the routing engine takes the item, the
    /// hub is told (the announcement carries the packet and the committed transcript), and the router offers.
    /// </summary>
    internal async Task OnOpenedAsync(IReadOnlyList<string> handoffIds, CancellationToken cancellationToken)
    {
        // Without packets (routing needs none; the intake worker announced them already): cancelled meanwhile, nothing to do.
        var handoffs = await Task.WhenAll(handoffIds.Select(id => store.GetWithoutPacketAsync(id, cancellationToken)));
        var queued = handoffs.OfType<HandoffRecord>().Where(h => h.Status == HandoffStatus.Queued).ToList();
        var now = time.GetUtcNow();
        foreach (var handoff in queued)
        {
            projection.Track(handoff, now); // idempotent: the routing owner's reconciliation may have seen it first
        }
        // An announcement that failed right after the commit is made now, with the packet, before any offer.
        await Task.WhenAll(queued.Where(h => hub.IsConfigured && h.HubThread is null).Select(async h =>
        {
            if (await store.GetAsync(h.Id, cancellationToken) is { } full)
            {
                await hub.AnnounceAsync(full, cancellationToken);
            }
        }));
        await dispatcher.DispatchAsync(cancellationToken);
    }

    private static HandoffRequest RequestOf(HandoffRecord handoff) => RoutingProjection.RequestOf(handoff);

    /// <summary>Atomic accept: exactly one agent wins; the others are told who did.</summary>
    public async Task<Transition> AcceptAsync(string handoffId, AgentId agent, string agentName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var claimed = await store.TryClaimAsync(handoffId, agent.Value, agentName, now, cancellationToken);
        if (claimed.Value is not { } handoff)
        {
            return claimed;
        }
        routing.Accept(handoffId, agent, now);
        positions.Forget(handoffId);
        LogAccepted(logger, handoffId, agent.Value);
        await ToCustomerAsync(handoff, $"accepted:{handoff.Version}", copy.Get(handoff.Locale, "handoff.agentJoined", ("agent", agentName)), cancellationToken);
        await hub.StatusAsync(handoff, HubState.Accepted, HubSay("hub.status.accepted", ("agent", agentName)), cancellationToken);
        return claimed;
    }

    public async Task<Transition> DeclineAsync(string handoffId, AgentId agent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var declined = await store.TryTransitionAsync(handoffId, h => h.Decline(agent.Value, now), HandoffActor.Agent(agent.Value), cancellationToken);
        if (declined.Succeeded)
        {
            routing.Decline(handoffId, now);
            await dispatcher.DispatchAsync(cancellationToken);
        }
        return declined;
    }

    /// <summary>The agent ends the conversation: the customer is back with the assistant and asked for a score.</summary>
    public async Task<Transition> EndAsync(string handoffId, HandoffActor by, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ended = await store.TryTransitionAsync(handoffId, h => h.End(now, $"ended by {by.Kind.Name()} {by.Name ?? by.Id}"), by, cancellationToken);
        if (ended.Value is { } handoff)
        {
            await outbox.EnqueueAsync(EndedNotice(handoff, by), cancellationToken);
            await OnEndedAsync(handoff, by, now, cancellationToken);
        }
        return ended;
    }

    /// <summary>
    /// The customer ends the conversation in their own turn: the transition and the satisfaction prompt are records of
    /// the turn's one commit (if an agent changed the handoff meanwhile, the turn runs again on the new state); routing
    /// and the hub follow the commit.
    /// </summary>
    public Transition EndInTurn(ITurnContext turn, HandoffRecord current, HandoffActor by)
    {
        var now = time.GetUtcNow();
        return InTurn(turn, current, by, current.End(now, $"ended by {by.Kind.Name()} {by.Name ?? by.Id}"), next => EndedNotice(next, by),
            (next, ct) => OnEndedAsync(next, by, now, ct));
    }

    private OutboxMessage EndedNotice(HandoffRecord handoff, HandoffActor by)
    {
        var text = by.Kind == HandoffActorKind.Customer
            ? copy.Get(handoff.Locale, "handoff.endedByCustomer")
            : copy.Get(handoff.Locale, "handoff.endedByAgent", ("agent", handoff.AgentName));
        var prompt = new Activity { Type = ActivityTypes.Message, Text = text }
            .ApplyConversationReference(handoff.Customer) with { ReplyToId = null };
        return new OutboxMessage($"customer:{handoff.Id}:ended", handoff.Id, ChannelFormatting.WithChoices(prompt, HandoffWording.SatisfactionChoices), ToCustomer: true);
    }

    private async Task OnEndedAsync(HandoffRecord handoff, HandoffActor by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        routing.Complete(handoff.Id, now);
        await hub.StatusAsync(handoff, HubState.Completed, HubSay("hub.status.completed", ("customer", HandoffCard.CustomerName(handoff)), ("by", by.Kind.Name())), cancellationToken);
        await hub.ReplaceCardAsync(handoff, HandoffCard.Closed(handoff, now, hub.Cards.Say("hub.card.completed", ("agent", handoff.AgentName ?? handoff.AgentId ?? "?")), hub.Cards), cancellationToken);
        await dispatcher.DispatchAsync(cancellationToken);
    }

    /// <summary>
    /// The customer changed their mind while waiting, in their own turn: the transition and <paramref name="notice"/>
    /// are records of the turn's commit; routing and the hub follow it.
    /// </summary>
    public Transition CancelInTurn(ITurnContext turn, HandoffRecord current, HandoffActor by, Activity notice)
    {
        var now = time.GetUtcNow();
        return InTurn(turn, current, by, current.Cancel(now, "the customer cancelled"),
            next => new OutboxMessage($"customer:{next.Id}:cancelled", next.Id, notice, ToCustomer: true),
            (next, ct) => OnCancelledAsync(next, now, ct));
    }

    private Transition InTurn(ITurnContext turn, HandoffRecord current, HandoffActor by, Transition result, Func<HandoffRecord, OutboxMessage> notice, Func<HandoffRecord, CancellationToken, Task> afterCommit)
    {
        if (result.Value is not { } next)
        {
            return result;
        }
        var stored = next with { Version = current.Version + 1 };
        var writes = TurnWrites.Of(turn);
        writes.Add(new HandoffTransitionRecord(current.Version, stored, new HandoffAuditEntry(current.Id, next.UpdatedAt, by, result.Action, current.Status, next.Status, result.Reason)));
        outboxSignal.AddTo(writes, notice(stored));
        writes.AfterCommit(ct =>
        {
            events.Notify();
            return afterCommit(stored, ct);
        });
        return result with { Value = stored };
    }

    private async Task OnCancelledAsync(HandoffRecord handoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        routing.RemoveWaiting(handoff.Id);
        positions.Forget(handoff.Id);
        await hub.StatusAsync(handoff, HubState.Failed, HubSay("hub.status.cancelled", ("customer", HandoffCard.CustomerName(handoff))), cancellationToken);
        await hub.ReplaceCardAsync(handoff, HandoffCard.Closed(handoff, now, hub.Cards.Say("hub.card.cancelled"), hub.Cards), cancellationToken);
        await dispatcher.DispatchAsync(cancellationToken);
    }

    /// <summary>An agent becomes available or goes away; what was offered to someone going away is re-queued.</summary>
    public async Task<IReadOnlyList<string>> SetPresenceAsync(AgentId agent, AgentPresence presence, CancellationToken cancellationToken)
    {
        await projection.EnsureLoadedAsync(cancellationToken);
        var now = time.GetUtcNow();
        await agents.SetPresenceAsync(agent, presence, cancellationToken);
        var requeued = routing.SetPresence(agent, presence, now);
        foreach (var handoffId in requeued)
        {
            await store.TryTransitionAsync(handoffId, h => h.Withdraw(now, $"{agent.Value} went {presence.ToString().ToLowerInvariant()}"), HandoffActor.Agent(agent.Value), cancellationToken);
        }
        // Offers the engine did not know about (e.g. restored after a restart) are withdrawn too.
        if (presence != AgentPresence.Available)
        {
            foreach (var offered in (await store.ListActiveWithoutPacketsAsync(cancellationToken)).Where(h => h.Status == HandoffStatus.Offered && h.OfferedTo == agent.Value && !requeued.Contains(h.Id)))
            {
                await store.TryTransitionAsync(offered.Id, h => h.Withdraw(now, $"{agent.Value} went away"), HandoffActor.Agent(agent.Value), cancellationToken);
            }
        }
        await dispatcher.DispatchAsync(cancellationToken);
        return requeued;
    }

    internal static ConversationReference CustomerReference(Activity activity)
    {
        var reference = activity.GetConversationReference();
        var tenant = activity.Conversation?.TenantId ?? TeamsTenant(activity);
        var conversation = activity.Conversation! with { TenantId = tenant };
        return reference with
        {
            Conversation = conversation,
            Properties = activity.ChannelData is { } data ? new Dictionary<string, JsonElement> { ["channelData"] = data } : null,
        };
    }

    internal Task<bool> ToCustomerAsync(HandoffRecord handoff, string purpose, string text, CancellationToken cancellationToken)
    {
        var message = new Activity { Type = ActivityTypes.Message, Text = text, TextFormat = "plain" }
            .ApplyConversationReference(handoff.Customer) with { ReplyToId = null };
        return outbox.EnqueueAsync(new OutboxMessage($"customer:{handoff.Id}:{purpose}", handoff.Id, message, ToCustomer: true), cancellationToken);
    }

    /// <summary>Hub copy <paramref name="key"/> in the hub's language (<c>Handoff:Hub:Locale</c>).</summary>
    private string HubSay(string key, params ReadOnlySpan<CopyArg> args) => copy.Get(options.Value.Hub.Locale, key, args);

    internal static Task SendInTurnAsync(ITurnContext turn, Activity activity, CancellationToken cancellationToken) =>
        turn.SendActivitiesAsync(ChannelFormatting.ForChannel(activity), cancellationToken);

    internal static IEnumerable<string> ReasonsOf(HandoffPacket packet) =>
        packet.Triggers.Where(t => t.Fired).Select(t => t.Name)
            .Concat(packet.Category is { Length: > 0 } c && c != EscalationDecision.NoCategory ? [c] : []);

    private static HandoffActor CustomerActor(Activity activity) => HandoffActor.Customer(activity.From?.Id ?? "customer", activity.From?.Name);

    private static string? TeamsTenant(Activity activity) =>
        activity.ChannelData is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("tenant", out var tenant)
        && tenant.ValueKind == JsonValueKind.Object && tenant.TryGetProperty("id", out var id) ? id.GetString() : null;

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Handoff {HandoffId} queued in {Queue} with priority {Priority}")]
    private static partial void LogOpened(ILogger logger, string handoffId, string queue, HandoffBot.Escalation.EscalationPriority priority);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Handoff {HandoffId} unassigned: {Why}")]
    private static partial void LogUnassigned(ILogger logger, string handoffId, string why);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Handoff {HandoffId} accepted by {Agent}")]
    private static partial void LogAccepted(ILogger logger, string handoffId, string agent);
}
