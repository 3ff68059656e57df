using System.Security.Claims;
using System.Text.Json;
using HandoffBot.AgentHub;
using HandoffBot.Escalation;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Hosting.Access;
using HandoffBot.Protocol;
using HandoffBot.Routing;
using HandoffBot.Storage;
using Microsoft.Extensions.Options;

namespace HandoffBot.AgentConsole;

/// <summary>Who is looking at the console: the roster agent behind the principal (null for a supervisor without one).</summary>
public sealed record ConsoleViewer(ClaimsPrincipal User, AgentRecord? Agent)
{
    public bool IsSupervisor => User.IsSupervisor();

    public string Name => Agent?.Name ?? User.Identity?.Name ?? "supervisor";
}

public sealed record ConsoleMe(string? AgentId, string Name, string Role, string? Presence, int Active, int Capacity, IReadOnlyList<string> Skills);

public sealed record ConsoleItem(
    string Id, string Customer, string Queue, string Priority, string Reason, string Status, DateTimeOffset EnqueuedAt,
    int? Position, double? EstimateSeconds, string? EstimateText, string? OfferedTo, DateTimeOffset? OfferExpiresAt, string? AgentName);

public sealed record ConsoleState(long Sequence, ConsoleMe Me, IReadOnlyList<ConsoleItem> Offers, IReadOnlyList<ConsoleItem> Waiting, IReadOnlyList<ConsoleItem> Conversations, IReadOnlyList<ConsoleItem> Others);

public sealed record ConsoleLine(long Sequence, DateTimeOffset? At, string Kind, string Who, string Text, string? Key);

public sealed record ConsoleDetail(ConsoleItem Handoff, JsonElement? Packet, IReadOnlyList<ConsoleLine> Timeline, long Sequence);

public sealed record ConsoleDirectory(IReadOnlyList<string> Queues, IReadOnlyList<ConsoleAgent> Agents, IReadOnlyList<CannedResponse> CannedResponses);

public sealed record ConsoleAgent(string Id, string Name, string Presence);

/// <summary>
/// What each console user may see and the views the console API returns. An agent sees handoffs offered to them,
/// the conversations they handle and what waits in the queues they are qualified for; supervisors see everything.
/// </summary>
public sealed class ConsoleViews(
    IHandoffStore store,
    IHandoffEventLog events,
    HandoffEventFeed feed,
    IRoutingEngine routing,
    RoutingProjection projection,
    IAgentDirectory agents,
    AgentIdentity identity,
    ITranscriptStore transcripts,
    IOptions<RoutingOptions> routingOptions,
    IOptions<AgentConsoleOptions> options,
    TimeProvider time)
{
    public async Task<ConsoleViewer> ViewerAsync(ClaimsPrincipal user, CancellationToken cancellationToken) =>
        new(user, await identity.ForPrincipalAsync(user, cancellationToken));

    /// <summary>May <paramref name="viewer"/> see <paramref name="handoff"/> (its packet, its transcript)?</summary>
    public bool CanSee(ConsoleViewer viewer, HandoffRecord handoff) =>
        viewer.IsSupervisor
        || (viewer.Agent is { } agent && (handoff.AgentId == agent.Id.Value || handoff.OfferedTo == agent.Id.Value
            || (handoff.Status == HandoffStatus.Queued && IsQualified(agent, handoff.Skill))));

    /// <summary>
    /// May <paramref name="viewer"/> take <paramref name="handoff"/>? What is offered to them, and anything waiting or
    /// offered in a skill they have (an offer is a suggestion, as in the Teams hub: the first to accept wins).
    /// </summary>
    public bool CanAccept(ConsoleViewer viewer, HandoffRecord handoff) =>
        viewer.Agent is { } agent && handoff.IsWaiting && (handoff.OfferedTo == agent.Id.Value || IsQualified(agent, handoff.Skill));

    /// <summary>May <paramref name="viewer"/> hear about this event on their push channel?</summary>
    public bool CanHear(ConsoleViewer viewer, HandoffFeedItem item)
    {
        if (viewer.IsSupervisor)
        {
            return true;
        }
        if (viewer.Agent is not { } agent || item.Handoff is not { } handoff)
        {
            return false;
        }
        var handling = handoff.AgentId == agent.Id.Value;
        if (item.Typing is not null || item.Event?.IsMessage == true)
        {
            return handling;
        }
        return handling || handoff.OfferedTo == agent.Id.Value || item.Event?.Entry.Actor.Id == agent.Id.Value || IsQualified(agent, handoff.Skill);
    }

    public async Task<ConsoleState> StateAsync(ConsoleViewer viewer, CancellationToken cancellationToken)
    {
        // The sequence first: anything committed while the view is built is replayed on the push channel.
        var sequence = await feed.CurrentAsync(cancellationToken);
        await projection.EnsureLoadedAsync(cancellationToken);
        var now = time.GetUtcNow();
        var active = await store.ListActiveWithoutPacketsAsync(cancellationToken);
        var byId = active.ToDictionary(h => h.Id, StringComparer.Ordinal);
        var me = viewer.Agent?.Id.Value;
        var estimates = routing.EstimateWaiting(now);
        var waiting = new List<ConsoleItem>();
        foreach (var (item, _) in routing.Waiting(null, now))
        {
            if (byId.TryGetValue(item.Request.HandoffId, out var handoff) && handoff.Status == HandoffStatus.Queued && CanSee(viewer, handoff))
            {
                waiting.Add(Item(handoff, estimates.GetValueOrDefault(handoff.Id)));
            }
        }
        var offers = active.Where(h => h.Status == HandoffStatus.Offered && h.OfferedTo == me).Select(h => Item(h, null)).ToList();
        var mine = active.Where(h => h.Status == HandoffStatus.WithAgent && h.AgentId == me).OrderBy(h => h.AcceptedAt).Select(h => Item(h, null)).ToList();
        var others = viewer.IsSupervisor
            ? active.Where(h => h.AgentId != me && h.OfferedTo != me && h.Status != HandoffStatus.Queued).Select(h => Item(h, null)).ToList()
            : [];
        var capacity = viewer.Agent is { } agent ? SupervisorViews.CapacityOf(agent) : 0;
        var role = AccessRoles.All.LastOrDefault(viewer.User.IsInRole) ?? AccessRoles.Agent;
        var presence = viewer.Agent is null ? null : (await agents.GetAsync(viewer.Agent.Id, cancellationToken))?.Presence.ToString();
        return new ConsoleState(sequence,
            new ConsoleMe(me, viewer.Name, role, presence, mine.Count, capacity, viewer.Agent?.Skills.Select(s => s.Skill).ToList() ?? []),
            offers, waiting, mine, others);
    }

    /// <summary>The workspace of one handoff: the conversation before it, then its event log (transitions, messages, notes).</summary>
    public async Task<ConsoleDetail?> DetailAsync(HandoffRecord handoff, CancellationToken cancellationToken)
    {
        var sequence = await feed.CurrentAsync(cancellationToken);
        var timeline = new List<ConsoleLine>();
        var before = await transcripts.ReadAsync(handoff.Customer.ChannelId!, handoff.Customer.Conversation!.Id!, cancellationToken);
        foreach (var activity in before)
        {
            if (activity.Type == ActivityTypes.Message && activity.Timestamp is { } at && at <= handoff.CreatedAt && !string.IsNullOrEmpty(activity.Text))
            {
                var fromBot = activity.From?.Id != handoff.Customer.User?.Id;
                timeline.Add(new ConsoleLine(0, at, fromBot ? "assistant" : "customer", fromBot ? "Assistant" : HandoffCard.CustomerName(handoff), activity.Text!, activity.Id));
            }
        }
        foreach (var e in await events.ReadHandoffAsync(handoff.Id, cancellationToken))
        {
            if (!Copilot.CopilotActions.IsCopilot(e.Entry.Action))
            {
                timeline.Add(Line(e, handoff));
            }
        }
        var packet = handoff.Packet is { } p ? JsonSerializer.SerializeToElement(p, HandoffJsonContext.Default.HandoffPacket) : (JsonElement?)null;
        var estimate = handoff.Status == HandoffStatus.Queued ? routing.Estimate(handoff.Id, time.GetUtcNow()) : null;
        return new ConsoleDetail(Item(handoff, estimate), packet, timeline, sequence);
    }

    public async Task<ConsoleDirectory> DirectoryAsync(CancellationToken cancellationToken) =>
        new([.. routingOptions.Value.Queues.Keys.Order(StringComparer.Ordinal)],
            [.. (await agents.ListAsync(cancellationToken)).Select(a => new ConsoleAgent(a.Id.Value, a.Name, a.Presence.ToString()))],
            options.Value.CannedResponses);

    /// <summary>An event as a line of the workspace (also what the push channel sends).</summary>
    public static ConsoleLine Line(HandoffEvent e, HandoffRecord? handoff)
    {
        if (e.Message is { } message)
        {
            var kind = message.Kind switch
            {
                HandoffMessageKind.FromCustomer => "customer",
                HandoffMessageKind.ToCustomer => "agent",
                _ => "note",
            };
            var who = message.Kind == HandoffMessageKind.FromCustomer && handoff is not null ? HandoffCard.CustomerName(handoff) : e.Entry.Actor.Name ?? e.Entry.Actor.Id;
            return new ConsoleLine(e.Sequence, e.Entry.At, kind, who, message.Text, message.Key);
        }
        return new ConsoleLine(e.Sequence, e.Entry.At, "event", e.Entry.Actor.Name ?? e.Entry.Actor.Id, $"{e.Entry.Action}: {e.Entry.Reason} ({e.Entry.From} → {e.Entry.To})", null);
    }

    public ConsoleItem Item(HandoffRecord handoff, WaitEstimate? estimate) => new(
        handoff.Id,
        HandoffCard.CustomerName(handoff),
        handoff.Queue,
        handoff.Priority.ToString(),
        handoff.Reason,
        handoff.Status.ToString(),
        handoff.EnqueuedAt,
        estimate?.Position,
        estimate?.Estimate?.TotalSeconds,
        estimate is null ? null : estimate.Estimate is null ? estimate.Explanation : null,
        handoff.OfferedTo,
        handoff.OfferedAt + routingOptions.Value.OfferTimeout,
        handoff.AgentName);

    private bool IsQualified(AgentRecord agent, string skill) =>
        agent.Skills.Any(s => string.Equals(s.Skill, skill, StringComparison.OrdinalIgnoreCase)
            || string.Equals(s.Skill, routingOptions.Value.FallbackSkill, StringComparison.OrdinalIgnoreCase));
}
