namespace HandoffBot.Assistant;

/// <summary>Trains the answer engine while the host starts, so the first customer does not wait for it.</summary>
internal sealed partial class AnswerEngineWarmup(IServiceProvider services, KnowledgeBase knowledge, TimeProvider time, ILogger<AnswerEngineWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var engine = services.GetRequiredService<IAnswerEngine>();
        var elapsed = time.GetElapsedTime(started);
        if (engine is ClassifierAnswerEngine classifier)
        {
            LogTrained(logger, knowledge.Name, knowledge.Entries.Count, classifier.ExampleCount, elapsed, classifier.Classifier.Temperature);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Assistant trained on '{KnowledgeBase}': {Entries} entries, {Examples} examples in {Elapsed}, calibration temperature {Temperature}")]
    private static partial void LogTrained(ILogger logger, string knowledgeBase, int entries, int examples, TimeSpan elapsed, double temperature);
}
