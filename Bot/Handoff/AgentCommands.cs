using HandoffBot.Handoff.Events;
using HandoffBot.Hosting;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Routing;
using HandoffBot.Storage;

namespace HandoffBot.Handoff;

/// <summary>The agent a command is done by, as <see cref="AgentIdentity"/> resolved them (a hub user may not be on the roster).</summary>
public sealed record ActingAgent(AgentId Id, string Name)
{
    public static ActingAgent Of(AgentRecord agent) => new((agent ?? throw new ArgumentNullException(nameof(agent))).Id, agent.Name);
}

/// <summary>
/// What an agent can do, whichever desk they work from: the Teams / Emulator hub (text commands and card buttons)
/// and the web agent console's HTTP API call the same operations, with the agent already resolved
/// (<see cref="AgentIdentity"/>: hub users, signed-in principals).
/// Messages and notes are stored once per key (a retried request is not sent twice).
/// </summary>
public sealed class AgentCommands(
    HandoffCoordinator coordinator,
    HandoffTransfers transfers,
    IHandoffStore store,
    IAgentDirectory agents,
    ITurnStore turns,
    OutboxSignal outbox,
    HandoffEventSignal events,
    Lazy<ChannelAdapter> adapter,
    TimeProvider time)
{
    /// <summary>The entity that marks a message as written by a person (its <c>name</c>), not by the assistant.</summary>
    public const string AgentEntityType = "https://handoffbot.dev/agent";

    public Task<Transition> AcceptAsync(ActingAgent agent, string handoffId, CancellationToken cancellationToken) =>
        coordinator.AcceptAsync(handoffId, agent.Id, agent.Name, cancellationToken);

    public Task<Transition> DeclineAsync(ActingAgent agent, string handoffId, CancellationToken cancellationToken) =>
        coordinator.DeclineAsync(handoffId, agent.Id, cancellationToken);

    public Task<IReadOnlyList<string>> SetPresenceAsync(ActingAgent agent, AgentPresence presence, CancellationToken cancellationToken) =>
        coordinator.SetPresenceAsync(agent.Id, presence, cancellationToken);

    /// <summary>The agent ends their conversation: the customer is back with the assistant and asked for a score.</summary>
    public async Task<Transition> EndAsync(ActingAgent agent, string handoffId, CancellationToken cancellationToken) =>
        await HandledByAsync(agent, handoffId, "end", cancellationToken) is { Error: not null } refused
            ? refused
            : await coordinator.EndAsync(handoffId, HandoffActor.Agent(agent.Id.Value, agent.Name), cancellationToken);

    /// <summary>
    /// Hands the customer to a queue or to a named agent, with an optional note the next agent reads (stored before
    /// the transfer, so it is there when the offer arrives).
    /// </summary>
    public async Task<Transition> TransferAsync(ActingAgent agent, string handoffId, string? queue, AgentId? toAgent, string? note, string noteKey, CancellationToken cancellationToken)
    {
        var mine = await HandledByAsync(agent, handoffId, "transfer", cancellationToken);
        if (mine.Value is not { } handoff)
        {
            return mine;
        }
        if (note is { Length: > 0 })
        {
            await CommitAsync([new HandoffMessageRecord(handoffId, handoff.Status, Actor(agent), new HandoffMessage("note:" + noteKey, HandoffMessageKind.Note, note), time.GetUtcNow())], cancellationToken);
        }
        if (toAgent is { } target)
        {
            if (await agents.GetAsync(target, cancellationToken) is not { } next)
            {
                return Refused("transfer", HandoffError.NotFound, $"There is no agent '{target.Value}'.");
            }
            return await transfers.TransferToAgentAsync(handoffId, next, agent.Id, cancellationToken);
        }
        return await transfers.TransferAsync(handoffId, queue ?? handoff.Queue, agent.Id, cancellationToken);
    }

    /// <summary>
    /// A supervisor moves a conversation an agent is handling to a queue (routing chooses) or to a named agent (offered
    /// to them at once): the same transfer the agent could make, on the agent's behalf, so the customer is told as usual.
    /// </summary>
    public async Task<Transition> ReassignAsync(string handoffId, string? queue, AgentId? toAgent, CancellationToken cancellationToken)
    {
        if (await store.GetWithoutPacketAsync(handoffId, cancellationToken) is not { } handoff)
        {
            return Refused("reassign", HandoffError.NotFound, $"There is no handoff '{handoffId}'.");
        }
        if (handoff.Status != HandoffStatus.WithAgent || handoff.AgentId is not { } current)
        {
            return Refused("reassign", HandoffError.InvalidTransition, "Only a conversation with an agent can be reassigned; a waiting one is routed to the next qualified agent.");
        }
        var acting = new ActingAgent(new AgentId(current), handoff.AgentName ?? current);
        return await TransferAsync(acting, handoffId, queue, toAgent, null, "reassign", cancellationToken);
    }

    /// <summary>
    /// The agent's message to their customer, delivered after its commit by the outbox (retried, never twice) and
    /// recorded in the handoff's event log under <paramref name="key"/>.
    /// </summary>
    /// <param name="audit">An audit line stored in the same commit (the co-pilot suggestion the reply was sent from).</param>
    public async Task<Transition> ReplyAsync(ActingAgent agent, string handoffId, string key, string text, CancellationToken cancellationToken, (string Action, string Reason)? audit = null)
    {
        var mine = await HandledByAsync(agent, handoffId, "reply", cancellationToken);
        if (mine.Value is not { } handoff)
        {
            return mine;
        }
        var now = time.GetUtcNow();
        var records = ReplyRecords(handoff, agent.Id.Value, agent.Name, text, null, key, now);
        if (audit is { } line)
        {
            records = [.. records, new HandoffAuditRecord(new HandoffAuditEntry(handoffId, now, Actor(agent), line.Action, handoff.Status, handoff.Status, line.Reason))];
        }
        await CommitAsync(records, cancellationToken);
        outbox.Notify();
        return mine;
    }

    /// <summary>A private note on the handoff: agents and supervisors see it, the customer never does.</summary>
    public async Task<Transition> NoteAsync(ActingAgent agent, string handoffId, string key, string text, CancellationToken cancellationToken)
    {
        var mine = await HandledByAsync(agent, handoffId, "note", cancellationToken);
        if (mine.Value is not { } handoff)
        {
            return mine;
        }
        await CommitAsync([new HandoffMessageRecord(handoffId, handoff.Status, Actor(agent), new HandoffMessage("note:" + key, HandoffMessageKind.Note, text), time.GetUtcNow())], cancellationToken);
        return mine;
    }

    /// <summary>
    /// An audit line on the agent's conversation that changes nothing else (<paramref name="action"/>, e.g.
    /// <c>copilot.used</c>, with <paramref name="reason"/>), written in one commit.
    /// </summary>
    public async Task<Transition> AuditAsync(ActingAgent agent, string handoffId, string action, string reason, CancellationToken cancellationToken)
    {
        var mine = await HandledByAsync(agent, handoffId, action, cancellationToken);
        if (mine.Value is { } handoff)
        {
            await CommitAsync([new HandoffAuditRecord(new HandoffAuditEntry(handoffId, time.GetUtcNow(), Actor(agent), action, handoff.Status, handoff.Status, reason))], cancellationToken);
        }
        return mine;
    }

    /// <summary>The agent is typing: the customer sees the indicator (best effort, never queued).</summary>
    public async Task<Transition> TypingAsync(ActingAgent agent, string handoffId, CancellationToken cancellationToken)
    {
        var mine = await HandledByAsync(agent, handoffId, "type", cancellationToken);
        if (mine.Value is { } handoff)
        {
            await TypingToCustomerAsync(handoff, cancellationToken);
        }
        return mine;
    }

    /// <summary>A typing indicator to the customer of <paramref name="handoff"/>; failures are ignored (typing is a courtesy).</summary>
    public async Task TypingToCustomerAsync(HandoffRecord handoff, CancellationToken cancellationToken)
    {
        var typing = new Activity { Type = ActivityTypes.Typing }.ApplyConversationReference(handoff.Customer) with { ReplyToId = null };
        try
        {
            await adapter.Value.ContinueConversationAsync(handoff.Customer, (t, ct) => t.SendActivityAsync(typing, ct), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _ = exception; // never retried, never fatal
        }
    }

    /// <summary>
    /// The records of an agent's message to the customer: the outbox row (shown as from <paramref name="agentName"/>)
    /// and the event-log line, both keyed by <paramref name="key"/>.
    /// </summary>
    public static IReadOnlyList<ITurnRecord> ReplyRecords(HandoffRecord handoff, string agentId, string agentName, string text, IReadOnlyList<Attachment>? attachments, string key, DateTimeOffset now)
    {
        var message = new Activity
        {
            Type = ActivityTypes.Message,
            Text = text,
            TextFormat = "plain",
            Attachments = attachments,
        }.ApplyConversationReference(handoff.Customer) with
        { ReplyToId = null };
        message = message with
        {
            From = (message.From ?? new ChannelAccount()) with { Name = agentName },
            // Channels ignore entity types they do not know; the Web Chat page shows the agent's name from it.
            Entities = [new Entity { Type = AgentEntityType, Properties = new() { ["name"] = System.Text.Json.JsonSerializer.SerializeToElement(agentName, HandoffJsonContext.Default.String) } }],
        };
        return
        [
            new OutboxMessage($"to-customer:{handoff.Id}:{key}", handoff.Id, message, ToCustomer: true),
            new HandoffMessageRecord(handoff.Id, handoff.Status, HandoffActor.Agent(agentId, agentName), new HandoffMessage("agent:" + handoff.Id + ":" + key, HandoffMessageKind.ToCustomer, text), now),
        ];
    }

    /// <summary>The customer's message during a handoff, as an event-log line keyed by its activity id.</summary>
    public static HandoffMessageRecord CustomerMessage(HandoffRecord handoff, Activity activity, string text, DateTimeOffset now) =>
        new(handoff.Id, handoff.Status, HandoffActor.Customer(activity.From?.Id ?? "customer", activity.From?.Name),
            new HandoffMessage("customer:" + handoff.Id + ":" + (activity.Id ?? Guid.NewGuid().ToString("N")), HandoffMessageKind.FromCustomer, text), now);

    private async Task<Transition> HandledByAsync(ActingAgent agent, string handoffId, string action, CancellationToken cancellationToken)
    {
        if (await store.GetWithoutPacketAsync(handoffId, cancellationToken) is not { } handoff)
        {
            return Refused(action, HandoffError.NotFound, $"There is no handoff '{handoffId}'.");
        }
        if (handoff.Status != HandoffStatus.WithAgent || handoff.AgentId != agent.Id.Value)
        {
            return Refused(action, HandoffError.NotOffered, "You are not in this conversation.");
        }
        return new Transition(handoff, null, action, "");
    }

    private async Task CommitAsync(IReadOnlyList<ITurnRecord> records, CancellationToken cancellationToken)
    {
        await turns.CommitAsync(new TurnCommit([], null, null, records), cancellationToken);
        events.Notify();
    }

    private static HandoffActor Actor(ActingAgent agent) => HandoffActor.Agent(agent.Id.Value, agent.Name);

    private static Transition Refused(string action, string code, string message) => new(null, new HandoffError(code, message), action, message);
}
