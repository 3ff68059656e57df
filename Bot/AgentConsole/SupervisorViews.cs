using HandoffBot.AgentHub;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Hosting.Access;
using HandoffBot.Routing;
using Microsoft.Extensions.Options;

namespace HandoffBot.AgentConsole;

public sealed record SupervisorQueue(string Name, string Skill, int Waiting, double? LongestWaitSeconds, int AgentsAvailable, int AgentsWithSkill);

public sealed record SupervisorAgent(string Id, string Name, string Presence, int Conversations, int Capacity, IReadOnlyList<string> Skills);

public sealed record SupervisorConversation(string Id, string Customer, string Queue, string Status, string? Agent, string? OfferedTo, DateTimeOffset EnqueuedAt, double WaitedSeconds, string Reason);

public sealed record SupervisorLive(DateTimeOffset At, IReadOnlyList<SupervisorQueue> Queues, IReadOnlyList<SupervisorAgent> Agents, IReadOnlyList<SupervisorConversation> Conversations);

/// <summary>One line of the supervisor's audit log: where it comes from (<see cref="Kind"/>), who, what, on what.</summary>
public sealed record SupervisorAuditLine(DateTimeOffset At, string Kind, string Actor, string Action, string Subject, string Detail, bool Allowed);

/// <summary>
/// The supervisor view's data: live queues, agents and every conversation in progress (from the store and the roster),
/// and the audit log (handoff transitions and access entries) filtered by kind.
/// </summary>
public sealed class SupervisorViews(IHandoffStore store, IAgentDirectory agents, IHandoffEventLog events, IAccessAudit access, IOptions<RoutingOptions> routing, TimeProvider time)
{
    /// <summary>The kinds of audit line a supervisor can filter by.</summary>
    public static readonly IReadOnlyList<string> AuditKinds = ["escalation", "routing", "accept", "transcript", "configuration", "access"];

    private const int AuditWindow = 5000;

    public async Task<SupervisorLive> LiveAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var active = await store.ListActiveWithoutPacketsAsync(cancellationToken);
        var roster = await agents.ListAsync(cancellationToken);
        var handling = active.Where(h => h.Status == HandoffStatus.WithAgent && h.AgentId is not null).GroupBy(h => h.AgentId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var people = roster.Select(a =>
        {
            return new SupervisorAgent(a.Id.Value, a.Name, a.Presence.ToString(), handling.GetValueOrDefault(a.Id.Value), CapacityOf(a), [.. a.Skills.Select(s => s.Skill)]);
        }).OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
        var queueNames = routing.Value.Queues.Keys.Concat(active.Select(h => h.Queue)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var queues = new List<SupervisorQueue>();
        foreach (var name in queueNames)
        {
            var skill = routing.Value.Queues.TryGetValue(name, out var queue) && queue.Skill.Length > 0 ? queue.Skill : name;
            var waiting = active.Where(h => h.IsWaiting && string.Equals(h.Queue, name, StringComparison.Ordinal)).ToList();
            var qualified = people.Where(a => a.Skills.Contains(skill, StringComparer.OrdinalIgnoreCase)).ToList();
            queues.Add(new SupervisorQueue(name, skill, waiting.Count,
                waiting.Count == 0 ? null : Math.Round(waiting.Max(h => (now - h.EnqueuedAt).TotalSeconds), 1),
                qualified.Count(a => a.Presence == nameof(AgentPresence.Available) && a.Conversations < a.Capacity), qualified.Count));
        }
        var conversations = active.OrderBy(h => h.EnqueuedAt).Select(h => new SupervisorConversation(h.Id, HandoffCard.CustomerName(h), h.Queue, h.Status.ToString(),
            h.AgentName, h.OfferedTo, h.EnqueuedAt, Math.Round((now - h.EnqueuedAt).TotalSeconds, 1), h.Reason)).ToList();
        return new SupervisorLive(now, queues, people, conversations);
    }

    /// <summary>An agent's capacity as one number: the value for every channel (<c>*</c>), else the largest per-channel value.</summary>
    public static int CapacityOf(AgentRecord agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.CapacityPerChannel.GetValueOrDefault("*", agent.CapacityPerChannel.Values.DefaultIfEmpty(0).Max());
    }

    /// <summary>The newest <paramref name="limit"/> audit lines of <paramref name="kind"/> (null: every kind), newest first.</summary>
    public async Task<IReadOnlyList<SupervisorAuditLine>> AuditAsync(string? kind, int limit, CancellationToken cancellationToken)
    {
        var lines = new List<SupervisorAuditLine>();
        if (kind is null or "escalation" or "routing" or "accept")
        {
            var latest = await events.LatestSequenceAsync(cancellationToken);
            foreach (var e in await events.ReadAfterAsync(Math.Max(0, latest - AuditWindow), AuditWindow, cancellationToken))
            {
                if (e.IsMessage || KindOf(e.Entry.Action) is not { } found || (kind is not null && kind != found))
                {
                    continue;
                }
                var entry = e.Entry;
                lines.Add(new SupervisorAuditLine(entry.At, found, entry.Actor.Name ?? entry.Actor.Id, entry.Action, "handoff:" + entry.HandoffId,
                    $"{entry.Reason} ({entry.From} → {entry.To})", Allowed: true));
            }
        }
        if (kind is null or "transcript" or "configuration" or "access")
        {
            foreach (var entry in await access.ReadAsync(1000, cancellationToken))
            {
                var found = entry.Action switch
                {
                    "transcript.read" => "transcript",
                    _ when entry.Action.StartsWith("config", StringComparison.Ordinal) => "configuration",
                    _ => "access",
                };
                if (kind is null || kind == found)
                {
                    lines.Add(new SupervisorAuditLine(entry.At, found, entry.Principal, entry.Action, entry.Resource, entry.Role, entry.Allowed));
                }
            }
        }
        return [.. lines.OrderByDescending(l => l.At).Take(limit)];
    }

    private static string? KindOf(string action) => action switch
    {
        "open" or "unassigned" => "escalation",
        "offer" or "decline" or "expire" or "withdraw" or "transfer" => "routing",
        "accept" => "accept",
        _ => null,
    };
}
