using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HandoffBot.Handoff;
using HandoffBot.Hosting;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Resources;
using HandoffBot.Routing;
using Microsoft.Extensions.Options;

namespace HandoffBot.AgentHub;

/// <summary>An agent's text command in the hub (an @mention of the bot is stripped first).</summary>
public sealed record AgentCommand(string Verb, string? Argument)
{
    public const string Accept = "accept";
    public const string Decline = "decline";
    public const string End = "end";
    public const string Transfer = "transfer";
    public const string Queue = "queue";
    public const string Available = "available";
    public const string Away = "away";
    public const string Help = "help";

    private static readonly string[] Verbs = [Accept, Decline, End, Transfer, Queue, Available, Away, Help];

    /// <summary>The command in <paramref name="text"/>, or null when it is a message for the customer.</summary>
    public static AgentCommand? Parse(string text)
    {
        var parts = text.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return null;
        }
        var verb = parts[0].TrimStart('/').ToLowerInvariant();
        var argument = parts.Length > 1 ? parts[1].Trim() : null;
        if (!Verbs.Contains(verb))
        {
            return null;
        }
        // "end" and friends only count as commands when short: "end of month billing..." is a message for the customer.
        if (argument is { Length: > 0 } && (argument.Contains(' ', StringComparison.Ordinal) && verb != Transfer))
        {
            return null;
        }
        return verb is Queue or Available or Away or Help && argument is not null ? null : new AgentCommand(verb, argument);
    }
}

/// <summary>
/// Hub traffic: card buttons (<c>adaptiveCard/action</c> invokes from Teams, Action.Submit messages elsewhere),
/// agents' text commands, and agents' messages and typing relayed to their customer.
/// </summary>
public sealed class AgentHubHandler(
    IHandoffStore store,
    IRoutingEngine routing,
    OutboxSignal signal,
    HandoffBot.Handoff.Events.HandoffEventSignal events,
    HubNotifier hub,
    AgentCommands commands,
    AgentIdentity identity,
    HubCopilot copilot,
    ICopy copy,
    IOptions<HandoffOptions> options,
    TimeProvider time) : IBot
{
    public const string CardActionInvoke = "adaptiveCard/action";

    public async Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        if (activity.IsType(ActivityTypes.Invoke))
        {
            if (string.Equals(activity.Name, CardActionInvoke, StringComparison.OrdinalIgnoreCase))
            {
                turn.Features.Set(await CardActionAsync(turn, cancellationToken));
            }
            return;
        }
        if (activity.IsType(ActivityTypes.Typing))
        {
            if (await WorkedByAsync(activity, null, cancellationToken) is { } typingFor)
            {
                await commands.TypingToCustomerAsync(typingFor, cancellationToken);
            }
            return;
        }
        if (!activity.IsType(ActivityTypes.Message))
        {
            return; // conversationUpdate, our own handoff events echoed back, ...: nothing to do
        }
        if (HandoffCard.ReadAction(activity) is { } submit)
        {
            await SubmitActionAsync(turn, submit.Verb, submit.HandoffId, cancellationToken);
            return;
        }
        var text = MentionText.StripBotMention(activity);
        if (AgentCommand.Parse(text) is { } command)
        {
            await CommandAsync(turn, command, cancellationToken);
            return;
        }
        await RelayToCustomerAsync(turn, text, cancellationToken);
    }

    private async Task<InvokeResponse> CardActionAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        if (HandoffCard.ReadAction(activity) is not { HandoffId: { } handoffId } action)
        {
            return InvokeMessage(400, Say("hub.card.noAction"));
        }
        var (agent, name) = await identity.ForHubUserAsync(activity.From, cancellationToken);
        var now = time.GetUtcNow();
        switch (action.Verb.ToLowerInvariant())
        {
            case HandoffCard.AcceptVerb:
                var accepted = await commands.AcceptAsync(new ActingAgent(agent, name), handoffId, cancellationToken);
                if (accepted.Value is { } mine)
                {
                    return InvokeCard(HandoffCard.Accepted(mine, now, hub.Cards, await copilot.TopAsync(mine, cancellationToken)));
                }
                return await store.GetAsync(handoffId, cancellationToken) is { Status: HandoffStatus.WithAgent } theirs
                    ? InvokeCard(HandoffCard.Accepted(theirs, now, hub.Cards))
                    : InvokeMessage(200, accepted.Error?.Message ?? Say("hub.card.cannotAccept"));
            case HandoffCard.DeclineVerb:
                var declined = await commands.DeclineAsync(new ActingAgent(agent, name), handoffId, cancellationToken);
                return InvokeMessage(200, declined.Succeeded ? Say("hub.declined") : declined.Error!.Message);
            default:
                return InvokeMessage(400, Say("hub.card.unknownAction", ("verb", action.Verb)));
        }
    }

    private async Task SubmitActionAsync(ITurnContext turn, string verb, string? handoffId, CancellationToken cancellationToken)
    {
        if (string.Equals(verb, HandoffCard.SuggestionVerb, StringComparison.OrdinalIgnoreCase) && handoffId is not null)
        {
            var (agent, name) = await identity.ForHubUserAsync(turn.Activity.From, cancellationToken);
            await ReplyAsync(turn, await copilot.SendAsync(new ActingAgent(agent, name), handoffId, turn.Activity, cancellationToken), cancellationToken);
            return;
        }
        var command = new AgentCommand(verb.ToLowerInvariant(), handoffId);
        await CommandAsync(turn, command, cancellationToken);
    }

    private async Task CommandAsync(ITurnContext turn, AgentCommand command, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        var (agent, name) = await identity.ForHubUserAsync(activity.From, cancellationToken);
        var now = time.GetUtcNow();
        switch (command.Verb)
        {
            case AgentCommand.Accept:
                if (await FindAsync(activity, command.Argument, agent, HandoffStatus.Offered, cancellationToken) is not { } toAccept)
                {
                    await ReplyAsync(turn, Say("hub.nothingToAccept"), cancellationToken);
                    return;
                }
                var accepted = await commands.AcceptAsync(new ActingAgent(agent, name), toAccept.Id, cancellationToken);
                if (accepted.Value is { } mine)
                {
                    await ReplyAsync(turn, Say("hub.accepted", ("customer", HandoffCard.CustomerName(mine))), cancellationToken);
                    await hub.ReplaceCardAsync(mine, HandoffCard.Accepted(mine, now, hub.Cards, await copilot.TopAsync(mine, cancellationToken)), cancellationToken);
                }
                else
                {
                    await ReplyAsync(turn, accepted.Error?.AcceptedBy is { } winner ? Say("hub.alreadyAccepted", ("agent", winner)) : accepted.Error!.Message, cancellationToken);
                }
                return;
            case AgentCommand.Decline:
                if (await FindAsync(activity, command.Argument, agent, HandoffStatus.Offered, cancellationToken) is not { } toDecline)
                {
                    await ReplyAsync(turn, Say("hub.nothingOffered"), cancellationToken);
                    return;
                }
                var declined = await commands.DeclineAsync(new ActingAgent(agent, name), toDecline.Id, cancellationToken);
                await ReplyAsync(turn, declined.Succeeded ? Say("hub.declined") : declined.Error!.Message, cancellationToken);
                return;
            case AgentCommand.End:
                if (await FindAsync(activity, command.Argument, agent, HandoffStatus.WithAgent, cancellationToken) is not { } toEnd)
                {
                    await ReplyAsync(turn, Say("hub.nothingToEnd"), cancellationToken);
                    return;
                }
                var ended = await commands.EndAsync(new ActingAgent(agent, name), toEnd.Id, cancellationToken);
                await ReplyAsync(turn, ended.Succeeded ? Say("hub.ended", ("customer", HandoffCard.CustomerName(toEnd))) : ended.Error!.Message, cancellationToken);
                return;
            case AgentCommand.Transfer when command.Argument is { Length: > 0 } queue:
                if (await FindAsync(activity, null, agent, HandoffStatus.WithAgent, cancellationToken) is not { } toTransfer)
                {
                    await ReplyAsync(turn, Say("hub.nothingToTransfer"), cancellationToken);
                    return;
                }
                var transferred = await commands.TransferAsync(new ActingAgent(agent, name), toTransfer.Id, queue, null, null, activity.Id ?? toTransfer.Id, cancellationToken);
                await ReplyAsync(turn, transferred.Succeeded ? Say("hub.transferred", ("queue", queue)) : transferred.Error!.Message, cancellationToken);
                return;
            case AgentCommand.Queue:
                await ReplyAsync(turn, await QueueTextAsync(now, cancellationToken), cancellationToken);
                return;
            case AgentCommand.Available or AgentCommand.Away:
                var presence = command.Verb == AgentCommand.Available ? AgentPresence.Available : AgentPresence.Away;
                var requeued = await commands.SetPresenceAsync(new ActingAgent(agent, name), presence, cancellationToken);
                await ReplyAsync(turn, presence == AgentPresence.Available
                    ? Say("hub.available", ("agent", name))
                    : (requeued.Count > 0 ? Say("hub.awayRequeued", ("agent", name), ("count", requeued.Count)) : Say("hub.away", ("agent", name))), cancellationToken);
                return;
            default:
                await ReplyAsync(turn, Say("hub.help"), cancellationToken);
                return;
        }
    }

    private async Task RelayToCustomerAsync(ITurnContext turn, string text, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        var (agent, name) = await identity.ForHubUserAsync(activity.From, cancellationToken);
        if (await WorkedByAsync(activity, agent, cancellationToken) is not { } handoff)
        {
            await ReplyAsync(turn, Say("hub.noCustomer"), cancellationToken);
            return;
        }
        // Delivered after this hub turn's commit (the dispatcher retries a failing Connector; nothing is sent twice),
        // and a line of the handoff's event log, so the console and the supervisors see what the agent said in Teams.
        var writes = TurnWrites.Of(turn);
        foreach (var record in AgentCommands.ReplyRecords(handoff, agent.Value, name, text, activity.Attachments, activity.Id ?? Guid.NewGuid().ToString("N"), time.GetUtcNow()))
        {
            writes.Add(record);
        }
        writes.AfterCommit(_ =>
        {
            signal.Notify();
            events.Notify();
            return Task.CompletedTask;
        });
    }

    /// <summary>The handoff this hub activity is about: the Teams thread's, else the agent's current one.</summary>
    private async Task<HandoffRecord?> WorkedByAsync(Activity activity, AgentId? agent, CancellationToken cancellationToken)
    {
        if (await store.FindActiveByHubConversationAsync(activity.Conversation!.Id!, cancellationToken) is { Status: HandoffStatus.WithAgent } thread
            && (agent is null || thread.AgentId == agent.Value.Value) && !IsSharedHub(thread, activity))
        {
            return thread;
        }
        var me = agent ?? (await identity.ForHubUserAsync(activity.From, cancellationToken)).Agent;
        return (await store.ListActiveAsync(cancellationToken))
            .Where(h => h.Status == HandoffStatus.WithAgent && h.AgentId == me.Value)
            .OrderByDescending(h => h.AcceptedAt)
            .FirstOrDefault();
    }

    /// <summary>
    /// Finds the handoff a command means: by (short) id; else this Teams thread's; else for accept/decline the one
    /// offered to the agent (accept: or the longest waiting), for end/transfer the agent's current conversation.
    /// </summary>
    private async Task<HandoffRecord?> FindAsync(Activity activity, string? id, AgentId agent, HandoffStatus wanted, CancellationToken cancellationToken)
    {
        var active = await store.ListActiveAsync(cancellationToken);
        if (id is { Length: > 0 })
        {
            return active.FirstOrDefault(h => h.Id.StartsWith(id, StringComparison.OrdinalIgnoreCase)) ?? await store.GetAsync(id, cancellationToken);
        }
        var inThread = active.FirstOrDefault(h => h.HubThread?.Conversation?.Id == activity.Conversation?.Id && !IsSharedHub(h, activity));
        if (inThread is not null)
        {
            return inThread;
        }
        return wanted == HandoffStatus.WithAgent
            ? active.Where(h => h.Status == HandoffStatus.WithAgent && h.AgentId == agent.Value).OrderByDescending(h => h.AcceptedAt).FirstOrDefault()
            : active.FirstOrDefault(h => h.Status == HandoffStatus.Offered && h.OfferedTo == agent.Value)
              ?? active.Where(h => h.Status == HandoffStatus.Queued).OrderByDescending(h => h.Priority).ThenBy(h => h.EnqueuedAt).FirstOrDefault();
    }

    private async Task<string> QueueTextAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var waiting = routing.Waiting(null, now);
        var active = (await store.ListActiveAsync(cancellationToken)).ToDictionary(h => h.Id, StringComparer.Ordinal);
        if (waiting.Count == 0 && !active.Values.Any(h => h.Status == HandoffStatus.Offered))
        {
            return Say("hub.queue.empty");
        }
        var text = new StringBuilder(Say("hub.queue.title"));
        var position = 0;
        foreach (var (item, waited) in waiting)
        {
            var who = active.TryGetValue(item.Request.HandoffId, out var h) ? HandoffCard.CustomerName(h) : item.Request.CustomerKey;
            text.Append('\n').Append(Say("hub.queue.waiting", ("position", ++position), ("id", HandoffCard.ShortId(item.Request.HandoffId)), ("customer", who),
                ("queue", item.Request.Queue), ("duration", copy.Duration(options.Value.Hub.Locale, waited))));
        }
        foreach (var offered in active.Values.Where(h => h.Status == HandoffStatus.Offered))
        {
            text.Append('\n').Append(Say("hub.queue.offered", ("id", HandoffCard.ShortId(offered.Id)), ("customer", HandoffCard.CustomerName(offered)),
                ("agent", offered.OfferedTo), ("duration", copy.Duration(options.Value.Hub.Locale, now - offered.EnqueuedAt))));
        }
        return text.ToString();
    }

    /// <summary>A shared hub conversation (Emulator, Direct Line, a group chat) holds many handoffs; a Teams channel thread holds one.</summary>
    private bool IsSharedHub(HandoffRecord handoff, Activity activity) =>
        !hub.UsesThreads || handoff.HubThread?.Conversation?.Id != activity.Conversation?.Id;

    private static Task<ResourceResponse> ReplyAsync(ITurnContext turn, string text, CancellationToken cancellationToken) =>
        turn.SendActivityAsync(turn.Activity.CreateReply(text), cancellationToken);

    private static InvokeResponse InvokeCard(JsonElement card) =>
        new(200, HubNotifier.ToElement(new JsonObject
        {
            ["statusCode"] = 200,
            ["type"] = ContentTypes.AdaptiveCard,
            ["value"] = JsonNode.Parse(card.GetRawText()),
        }));

    private static InvokeResponse InvokeMessage(int status, string message) =>
        new(200, HubNotifier.ToElement(new JsonObject
        {
            ["statusCode"] = status,
            ["type"] = "application/vnd.microsoft.activity.message",
            ["value"] = message,
        }));

    /// <summary>Hub copy <paramref name="key"/> in the hub's language (<c>Handoff:Hub:Locale</c>).</summary>
    private string Say(string key, params ReadOnlySpan<CopyArg> args) => copy.Get(options.Value.Hub.Locale, key, args);
}
