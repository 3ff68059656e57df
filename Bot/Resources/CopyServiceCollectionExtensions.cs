namespace HandoffBot.Resources;

public static class CopyServiceCollectionExtensions
{
    /// <summary>The shipped copy (<c>Resources/Copy/*.json</c> beside the application); problems are logged at start-up.</summary>
    public static IServiceCollection AddCopy(this IServiceCollection services)
    {
        services.AddSingleton(sp => new JsonCopy(Path.Combine(sp.GetRequiredService<IHostEnvironment>().ContentRootPath, "Resources", "Copy")));
        services.AddSingleton<ICopy>(sp => sp.GetRequiredService<JsonCopy>());
        services.AddHostedService<CopyReport>();
        return services;
    }
}

/// <summary>Says at start-up which keys each language lacks (English is used for them) and which placeholders differ.</summary>
internal sealed partial class CopyReport(JsonCopy copy, ILogger<CopyReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var problem in copy.Problems)
        {
            LogProblem(logger, problem.Language, problem.Key, problem.Problem);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9000, Level = LogLevel.Warning, Message = "Copy {Language}.json, key {Key}: {Problem}")]
    private static partial void LogProblem(ILogger logger, string language, string key, string problem);
}
