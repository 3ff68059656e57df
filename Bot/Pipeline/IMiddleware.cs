namespace HandoffBot.Pipeline;

/// <summary>Runs the rest of the pipeline.</summary>
public delegate Task NextDelegate(CancellationToken cancellationToken);

/// <summary>
/// One step of the turn pipeline. Call <c>next</c> to continue; not calling it takes the turn over
/// (that is how relay to a human agent works).
/// </summary>
public interface IMiddleware
{
    Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken);
}

/// <summary>The end of the pipeline: the bot's own logic.</summary>
public interface IBot
{
    Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken);
}
