using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HandoffBot.Resources;

public static class CopyServiceCollectionExtensions
{
    /// <summary>The shipped copy (<c>Resources/Copy/*.json</c> beside the application); problems are logged at start-up.</summary>
    public static IServiceCollection AddCopy(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new JsonCopy(Path.Combine(ResourceRoot(sp), "Copy")));
        services.TryAddSingleton<ICopy>(sp => sp.GetRequiredService<JsonCopy>());
        services.AddHostedService<CopyReport>();
        return services;
    }

    /// <summary>The shipped lexicons (<c>Resources/Lexicons/*.json</c>), read by the features that own them at start-up.</summary>
    public static IServiceCollection AddLexicons(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new LexiconFolder(Path.Combine(ResourceRoot(sp), "Lexicons")));
        return services;
    }

    /// <summary>
    /// The folder the shipped resources are in: <c>Resources</c> under the content root when there is a host, else
    /// beside the application (the evaluation, the benchmarks and the CLI build a service collection of their own).
    /// </summary>
    internal static string ResourceRoot(IServiceProvider services) =>
        Path.Combine(services.GetService<IHostEnvironment>()?.ContentRootPath ?? AppContext.BaseDirectory, "Resources");
}

/// <summary>
/// Says at start-up which languages are shipped, which keys each lacks (English is used for them), which keys
/// English lacks and where placeholders differ: a deployment's own partial translation runs, and says so.
/// </summary>
internal sealed partial class CopyReport(JsonCopy copy, ILogger<CopyReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var languages = string.Join(", ", copy.Languages);
        LogLanguages(logger, languages, copy.Problems.Count);
        foreach (var problem in copy.Problems)
        {
            LogProblem(logger, problem.Language, problem.Key, problem.Problem);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9000, Level = LogLevel.Warning, Message = "Copy ({Language}), key {Key}: {Problem}")]
    private static partial void LogProblem(ILogger logger, string language, string key, string problem);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Copy in {Languages}; {Problems} problem(s) found")]
    private static partial void LogLanguages(ILogger logger, string languages, int problems);
}
