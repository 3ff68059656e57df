using HandoffBot.Escalation.Embedding;
using HandoffBot.Resources;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Assistant;

public static class AssistantServiceCollectionExtensions
{
    /// <summary>The knowledge-base assistant, its options (validated at start-up) and the copy it speaks in.</summary>
    public static IServiceCollection AddAssistant(this IServiceCollection services)
    {
        services.AddCopy();
        services.AddOptions<AssistantOptions>().BindConfiguration(AssistantOptions.Section).ValidateDataAnnotations()
            .Validate(o => File.Exists(Path.GetFullPath(o.KnowledgeBasePath, AppContext.BaseDirectory)),
                "Assistant:KnowledgeBasePath does not name an existing file.")
            .ValidateOnStart();
        services.AddSingleton(sp => KnowledgeBase.Load(Path.GetFullPath(sp.GetRequiredService<IOptions<AssistantOptions>>().Value.KnowledgeBasePath, AppContext.BaseDirectory)));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISentenceEmbedder, MiniLmEmbedder>();
        services.AddSingleton<IAnswerEngine>(sp => ClassifierAnswerEngine.Train(sp.GetRequiredService<KnowledgeBase>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ISentenceEmbedder>()));
        services.AddHostedService<AnswerEngineWarmup>();
        return services;
    }
}
