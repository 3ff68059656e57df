namespace HandoffBot.Handoff;

/// <summary>
/// A desk where agents work: the Teams / Emulator hub (<see cref="AgentHub.HubNotifier"/>) and the web agent console.
/// The coordinator promises a person only when at least one desk is reachable; each desk learns about handoffs in
/// its own way (the hub through cards and events in the outbox, the console from the handoff event log).
/// </summary>
public interface IAgentChannel
{
    /// <summary>A short name for logs and the reason of an unassigned handoff ("hub", "console").</summary>
    string Name { get; }

    /// <summary>True when agents can be reached here (the hub is configured; the console is enabled).</summary>
    bool IsReachable { get; }
}
