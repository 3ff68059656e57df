using HandoffBot.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Pipeline;

/// <summary>
/// The middleware in order, then the bot. Built once at start-up. With a <see cref="ITurnStore"/>, each turn's
/// writes (<see cref="TurnWrites"/>) are committed together when the turn ends; a cancelled turn commits nothing.
/// </summary>
public sealed class TurnPipeline(IReadOnlyList<IMiddleware> middleware, IBot bot, ITurnStore? turnStore = null)
{
    public IReadOnlyList<IMiddleware> Middleware { get; } = middleware;

    public async Task RunAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        if (turnStore is null)
        {
            await RunFrom(0, turn, cancellationToken);
            return;
        }
        var writes = turn.Features.Get<TurnWrites>();
        if (writes is null)
        {
            writes = new TurnWrites();
            turn.Features.Set(writes);
        }
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
            // The turn failed past the error handler: keep what it received and sent, not its state.
            await turnStore.CommitAsync(writes.Seal(includeState: false), CancellationToken.None);
            throw;
        }
        // The turn has happened (replies may be out): commit even if the caller gives up now.
        var commit = writes.Seal(includeState: true);
        try
        {
            await turnStore.CommitAsync(commit, CancellationToken.None);
        }
        catch (StateConflictException) when (commit.State is not null)
        {
            // Another instance saved this conversation first: keep the transcript, fail the turn loudly.
            await turnStore.CommitAsync(commit with { State = null }, CancellationToken.None);
            throw;
        }
    }

    private Task RunFrom(int index, ITurnContext turn, CancellationToken cancellationToken) =>
        index == Middleware.Count
            ? bot.OnTurnAsync(turn, cancellationToken)
            : Middleware[index].OnTurnAsync(turn, ct => RunFrom(index + 1, turn, ct), cancellationToken);
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

public static class TurnPipelineServiceCollectionExtensions
{
    /// <summary>Registers every middleware and the bot as singletons and the pipeline in the declared order.</summary>
    public static IServiceCollection AddTurnPipeline(this IServiceCollection services, Action<TurnPipelineBuilder> configure)
    {
        var builder = new TurnPipelineBuilder();
        configure(builder);
        var botType = builder.BotType ?? throw new InvalidOperationException("The turn pipeline needs a bot: call Run<TBot>().");
        foreach (var type in builder.MiddlewareTypes)
        {
            services.AddSingleton(type);
        }
        services.AddSingleton(botType);
        services.AddSingleton(sp => new TurnPipeline(
            [.. builder.MiddlewareTypes.Select(t => (IMiddleware)sp.GetRequiredService(t))],
            (IBot)sp.GetRequiredService(botType),
            sp.GetService<ITurnStore>()));
        return services;
    }
}
