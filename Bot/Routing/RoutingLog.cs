namespace HandoffBot.Routing;

/// <summary>The routing engine's log events (EventIds 5000-5099; 5100-5399 are taken by Direct Line in Hosting).</summary>
internal static partial class RoutingLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Routing queue {Queue} assigns with the {Policy} policy (Routing:Policy is {DefaultPolicy})")]
    public static partial void QueuePolicy(ILogger logger, string queue, string policy, string defaultPolicy);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Routing engine reset: {Agents} agent(s) and {Items} item(s) forgotten; the coordinator rebuilds it from the store")]
    public static partial void Reset(ILogger logger, int agents, int items);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Handoff {HandoffId} was offered to {Agent}, who is not on the roster: it waits for another agent")]
    public static partial void OfferForUnknownAgent(ILogger logger, string handoffId, AgentId agent);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Handoff {HandoffId} was accepted by {Agent}, who is not on the roster: it does not count against anyone's capacity")]
    public static partial void AcceptedByUnknownAgent(ILogger logger, string handoffId, AgentId agent);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "Handoff {HandoffId} is already routed; the restored {State} state is ignored")]
    public static partial void AlreadyRouted(ILogger logger, string handoffId, RoutedItemState state);
}
