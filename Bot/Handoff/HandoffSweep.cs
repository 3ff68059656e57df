using HandoffBot.AgentHub;
using HandoffBot.Protocol;
using HandoffBot.Resources;
using HandoffBot.Routing;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>
/// The periodic look at every active handoff (<see cref="HandoffSweepService"/> runs it on a timer): offers that
/// timed out, announcements that never got stored, waits past the maximum, and position updates for the customer.
/// </summary>
public sealed partial class HandoffSweep(
    HandoffCoordinator coordinator,
    HandoffDispatcher dispatcher,
    IHandoffStore store,
    IRoutingEngine routing,
    RoutingProjection projection,
    HubNotifier hub,
    IHandoffOutbox outbox,
    ICopy copy,
    HandoffWording wording,
    WaitPositions positions,
    IOptions<HandoffOptions> options,
    IOptions<RoutingOptions> times,
    TimeProvider time,
    ILogger<HandoffSweep> logger)
{
    /// <summary>
    /// The periodic look at every active handoff: expired offers go to the next agent, unannounced handoffs are
    /// announced again, waits past the maximum with nobody qualified become alternatives, position changes are told
    /// (rate-limited), and due deliveries are retried.
    /// </summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await projection.EnsureLoadedAsync(cancellationToken);
        if (!projection.DecidesRouting)
        {
            return; // timeouts, waits and positions are the routing owner's (another instance)
        }
        var now = time.GetUtcNow();
        var estimates = routing.EstimateWaiting(now);
        foreach (var handoff in await store.ListForSweepAsync(now - times.Value.OfferTimeout, cancellationToken))
        {
            if (handoff.Status == HandoffStatus.Offered && handoff.OfferedAt + times.Value.OfferTimeout <= now)
            {
                var expired = await store.TryOwnerTransitionAsync(handoff.Id, projection.BuiltForTerm, h => h.ExpireOffer(now), null, cancellationToken);
                if (expired.Succeeded)
                {
                    routing.ExpireOffer(handoff.Id, now);
                    LogOfferExpired(logger, handoff.Id, handoff.OfferedTo);
                }
                continue;
            }
            if (hub.IsConfigured && handoff.HubThread is null && handoff.IsActive && await store.GetAsync(handoff.Id, cancellationToken) is { } unannounced)
            {
                await hub.AnnounceAsync(unannounced, cancellationToken); // the announcement carries the packet
            }
            if (handoff.Status == HandoffStatus.Queued)
            {
                await SweepWaitingAsync(handoff, estimates.GetValueOrDefault(handoff.Id), now, cancellationToken);
            }
        }
        await dispatcher.DispatchAsync(cancellationToken);
    }

    private async Task SweepWaitingAsync(HandoffRecord handoff, WaitEstimate? estimate, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now - handoff.EnqueuedAt >= times.Value.MaxWait && !routing.HasQualifiedAgent(handoff.Skill, handoff.Customer.ChannelId!, now, TimeSpan.Zero))
        {
            var givenUp = await store.TryOwnerTransitionAsync(handoff.Id, projection.BuiltForTerm, h => h.GiveUp(now, "no qualified agent within the maximum wait"), null, cancellationToken);
            if (givenUp.Value is { } unassigned)
            {
                routing.RemoveWaiting(handoff.Id);
                var menu = new Activity { Type = ActivityTypes.Message, Text = copy.Get(unassigned.Locale, "handoff.unassigned") }
                    .ApplyConversationReference(unassigned.Customer) with { ReplyToId = null };
                await outbox.EnqueueAsync(new OutboxMessage($"customer:{handoff.Id}:unassigned", handoff.Id, ChannelFormatting.WithChoices(menu, wording.AlternativesIn(unassigned.Locale)), ToCustomer: true), cancellationToken);
                await hub.StatusAsync(unassigned, HubState.Failed, copy.Get(options.Value.Hub.Locale, "hub.status.unassigned"), cancellationToken);
            }
            return;
        }
        if (estimate is null)
        {
            return;
        }
        if (positions.IsNews(handoff.Id, estimate.Position, now, options.Value.PositionUpdateInterval))
        {
            positions.Told(handoff.Id, estimate.Position, now);
            await coordinator.ToCustomerAsync(handoff, $"position:{estimate.Position}", copy.Get(handoff.Locale, "handoff.wait.update", ("wait", wording.DescribeWait(handoff.Locale, estimate))), cancellationToken);
        }
    }

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Offer of handoff {HandoffId} to {Agent} expired")]
    private static partial void LogOfferExpired(ILogger logger, string handoffId, string? agent);
}

/// <summary>The last queue position each waiting customer was told, so a position update says something new and not too often.</summary>
public sealed class WaitPositions
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int Position, DateTimeOffset At)> _told = new(StringComparer.Ordinal);

    public void Told(string handoffId, int position, DateTimeOffset at) => _told[handoffId] = (position, at);

    public void Forget(string handoffId) => _told.TryRemove(handoffId, out _);

    /// <summary>True when <paramref name="position"/> is ahead of what the customer was last told, at least <paramref name="interval"/> ago.</summary>
    public bool IsNews(string handoffId, int position, DateTimeOffset now, TimeSpan interval) =>
        !_told.TryGetValue(handoffId, out var last) || (position < last.Position && now - last.At >= interval);
}
