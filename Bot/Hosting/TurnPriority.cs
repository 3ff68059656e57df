using HandoffBot.Protocol;

namespace HandoffBot.Hosting;

/// <summary>
/// Says, before a queued turn runs, whether it should run ahead of other conversations' routine turns (a customer
/// asking for a person at peak should not wait behind other customers' questions). A cheap look at the activity
/// only: the turn's own decision is made by the pipeline as always; a wrong answer here changes only when it runs.
/// </summary>
public interface ITurnPriority
{
    bool IsUrgent(Activity activity);
}
