namespace HandoffBot.Routing;

/// <summary>
/// Shifts as the engine sees them: whether an agent is on shift at an instant (cached until their next shift
/// boundary, <see cref="ShiftCalendar"/>) and a heap of the next shift starts of agents seen off shift, so that a shift
/// that starts makes its agent worth a look without rescanning anybody.
/// </summary>
internal sealed class ShiftWatch
{
    private readonly PriorityQueue<AgentState, DateTimeOffset> _starts = new();

    /// <summary>On shift at <paramref name="now"/> (cached until the next shift boundary). Off-shift agents are watched for their next start.</summary>
    public bool OnShift(AgentState agent, DateTimeOffset now)
    {
        if (agent.Hours is not { } hours)
        {
            return true;
        }
        if (now < agent.ShiftFrom || now >= agent.ShiftUntil)
        {
            (agent.OnShift, agent.ShiftUntil) = ShiftCalendar.Evaluate(hours, agent.Zone!, now);
            agent.ShiftFrom = now;
        }
        if (!agent.OnShift && agent.WatchedFor != agent.ShiftUntil)
        {
            agent.WatchedFor = agent.ShiftUntil;
            _starts.Enqueue(agent, agent.ShiftUntil);
        }
        return agent.OnShift;
    }

    /// <summary>On shift now, or starting a shift by <paramref name="horizon"/>.</summary>
    public bool OnShiftBy(AgentState agent, DateTimeOffset now, DateTimeOffset horizon) =>
        OnShift(agent, now) || agent.ShiftUntil <= horizon;

    /// <summary>The next watched agent whose shift boundary is due at <paramref name="now"/>, once each.</summary>
    public bool TryTakeDue(DateTimeOffset now, out AgentState agent)
    {
        if (_starts.TryPeek(out agent!, out var at) && at <= now)
        {
            _starts.Dequeue();
            if (agent.WatchedFor == at)
            {
                agent.WatchedFor = DateTimeOffset.MinValue;
            }
            return true;
        }
        return false;
    }

    public void Clear() => _starts.Clear();
}
