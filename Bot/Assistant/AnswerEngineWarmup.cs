namespace HandoffBot.Assistant;

/// <summary>
/// Trains the answer engine while the host starts (the host builds this service, and with it the engine, before it
/// listens), so the first customer does not wait for it.
/// </summary>
internal sealed partial class AnswerEngineWarmup(IAnswerEngine engine, KnowledgeBase knowledge, ILogger<AnswerEngineWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (engine is ClassifierAnswerEngine classifier)
        {
            LogTrained(logger, knowledge.Name, knowledge.Entries.Count, classifier.ExampleCount, classifier.TrainingTime, classifier.Classifier.Temperature);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Assistant events are 8xxx (an area of their own).</summary>
    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "Assistant trained on '{KnowledgeBase}': {Entries} entries, {Examples} examples in {Elapsed}, calibration temperature {Temperature}")]
    private static partial void LogTrained(ILogger logger, string knowledgeBase, int entries, int examples, TimeSpan elapsed, double temperature);
}
