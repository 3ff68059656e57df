using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Pipeline;

/// <summary>The middleware in order, then the bot. Built once at start-up.</summary>
public sealed class TurnPipeline(IReadOnlyList<IMiddleware> middleware, IBot bot)
{
    public IReadOnlyList<IMiddleware> Middleware { get; } = middleware;

    public Task RunAsync(ITurnContext turn, CancellationToken cancellationToken) => RunFrom(0, turn, cancellationToken);

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
            (IBot)sp.GetRequiredService(botType)));
        return services;
    }
}
