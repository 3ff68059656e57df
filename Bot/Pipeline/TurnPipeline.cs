using HandoffBot.Storage;
using HandoffBot.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HandoffBot.Pipeline;

/// <summary>
/// The middleware in order, then the bot. Built once at start-up. Every turn collects its writes in
/// <see cref="TurnWrites"/> and commits them in ONE transaction when it ends (<see cref="ITurnStore"/>); a cancelled
/// turn commits nothing. When the commit finds that the state (or a handoff) changed since the turn read it
/// (<see cref="StateConflictException"/>, another instance won a race), a turn that has sent nothing yet runs again
/// once from the fresh state, its first attempt discarded; a turn that has already answered cannot be taken back, so
/// it keeps its transcript (what was received and sent did happen), drops its state and records, and fails loudly.
/// A queued turn whose inbox item another instance took over and committed first leaves nothing
/// (<see cref="InboxItemAlreadyDoneException"/>).
/// </summary>
public sealed partial class TurnPipeline(IReadOnlyList<IMiddleware> middleware, IBot bot, ITurnStore turnStore, ILogger<TurnPipeline> logger)
{
    public IReadOnlyList<IMiddleware> Middleware { get; } = middleware;

    public async Task RunAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var inboxItem = turn.Features.Get<TurnWrites>()?.CompletesInboxItem;
        for (var attempt = 1; ; attempt++)
        {
            var writes = new TurnWrites(inboxItem);
            turn.Features.Set(writes);
            try
            {
                await RunFrom(0, turn, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch
            {
                // The turn failed past the error handler: keep what it received and sent, not its state or records.
                await CommitFailedAsync(turn, writes);
                throw;
            }
            // The turn has happened (replies may be out): commit even if the caller gives up now.
            var commit = writes.Seal(complete: true);
            try
            {
                await turnStore.CommitAsync(commit, CancellationToken.None);
            }
            catch (StateConflictException conflict) when (attempt == 1 && !turn.Responded && turn is TurnContext retryable)
            {
                LogTurnRetried(logger, conflict.Key, turn.Activity.Conversation?.Id);
                retryable.ResetForRetry();
                continue;
            }
            catch (InboxItemAlreadyDoneException done)
            {
                // Another instance took this turn's item over and committed its run first: that run stands, this one leaves nothing.
                LogAlreadyDone(logger, done.ItemId, turn.Activity.Conversation?.Id);
                return;
            }
            catch (StateConflictException)
            {
                // Another instance saved this conversation first: keep the transcript, fail the turn loudly.
                await CommitFailedAsync(turn, writes);
                throw;
            }
            foreach (var action in writes.AfterCommitActions)
            {
                await action(CancellationToken.None);
            }
            return;
        }
    }

    /// <summary>The transcript of a failed turn (and its item done), unless another run of the item committed first.</summary>
    private async Task CommitFailedAsync(ITurnContext turn, TurnWrites writes)
    {
        try
        {
            await turnStore.CommitAsync(writes.Seal(complete: false), CancellationToken.None);
        }
        catch (InboxItemAlreadyDoneException done)
        {
            LogAlreadyDone(logger, done.ItemId, turn.Activity.Conversation?.Id);
        }
    }

    private async Task RunFrom(int index, ITurnContext turn, CancellationToken cancellationToken)
    {
        using var span = HandoffBot.Telemetry.TurnTelemetry.StartStep(index == Middleware.Count ? bot : Middleware[index]);
        await (index == Middleware.Count
            ? bot.OnTurnAsync(turn, cancellationToken)
            : Middleware[index].OnTurnAsync(turn, ct => RunFrom(index + 1, turn, ct), cancellationToken));
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "The turn of inbox item {ItemId} (conversation {ConversationId}) was committed by another instance's run first; nothing of this run is kept")]
    private static partial void LogAlreadyDone(ILogger logger, long itemId, string? conversationId);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Warning, Message = "The commit of a turn of conversation {ConversationId} lost a race on {Key}; running the turn again from the fresh state")]
    private static partial void LogTurnRetried(ILogger logger, string key, string? conversationId);
}

/// <summary>Declares the pipeline order in one readable place (Program.cs).</summary>
public sealed class TurnPipelineBuilder
{
    private readonly List<Type> _middleware = [];

    internal IReadOnlyList<Type> MiddlewareTypes => _middleware;
    internal Type? BotType { get; private set; }

    public TurnPipelineBuilder Use<TMiddleware>() where TMiddleware : class, IMiddleware
    {
        _middleware.Add(typeof(TMiddleware));
        return this;
    }

    public TurnPipelineBuilder Run<TBot>() where TBot : class, IBot
    {
        BotType = typeof(TBot);
        return this;
    }
}

/// <summary>A pipeline for the activities <see cref="Matches"/> accepts (the agent hub's traffic), chosen before the main one.</summary>
public sealed record TurnRoute(Func<Activity, bool> Matches, TurnPipeline Pipeline);

/// <summary>Chooses the pipeline of an incoming activity: the first route that matches, else the main (customer) pipeline.</summary>
public sealed class TurnRoutes(TurnPipeline main, IEnumerable<TurnRoute> routes)
{
    private readonly TurnRoute[] _routes = [.. routes];

    public TurnPipeline For(Activity activity)
    {
        foreach (var route in _routes)
        {
            if (route.Matches(activity))
            {
                return route.Pipeline;
            }
        }
        return main;
    }
}

public static class TurnPipelineServiceCollectionExtensions
{
    /// <summary>Registers every middleware and the bot as singletons and the main pipeline in the declared order.</summary>
    public static IServiceCollection AddTurnPipeline(this IServiceCollection services, Action<TurnPipelineBuilder> configure)
    {
        var build = Register(services, configure);
        services.AddSingleton(build);
        services.AddSingleton<TurnRoutes>();
        return services;
    }

    /// <summary>
    /// Registers a second pipeline for the activities <paramref name="matches"/> (resolved once, at start-up) accepts;
    /// the adapter runs it instead of the main one for them.
    /// </summary>
    public static IServiceCollection AddTurnPipelineFor(this IServiceCollection services, Func<IServiceProvider, Func<Activity, bool>> matches, Action<TurnPipelineBuilder> configure)
    {
        var build = Register(services, configure);
        services.AddSingleton(sp => new TurnRoute(matches(sp), build(sp)));
        return services;
    }

    private static Func<IServiceProvider, TurnPipeline> Register(IServiceCollection services, Action<TurnPipelineBuilder> configure)
    {
        var builder = new TurnPipelineBuilder();
        configure(builder);
        var botType = builder.BotType ?? throw new InvalidOperationException("The turn pipeline needs a bot: call Run<TBot>().");
        foreach (var type in builder.MiddlewareTypes)
        {
            services.TryAddSingleton(type);
        }
        services.TryAddSingleton(botType);
        return sp => new TurnPipeline(
            [.. builder.MiddlewareTypes.Select(t => (IMiddleware)sp.GetRequiredService(t))],
            (IBot)sp.GetRequiredService(botType),
            sp.GetRequiredService<ITurnStore>(),
            sp.GetRequiredService<ILogger<TurnPipeline>>());
    }
}
