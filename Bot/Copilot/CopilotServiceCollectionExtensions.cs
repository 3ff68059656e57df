using HandoffBot.Assistant;
using HandoffBot.Escalation.Embedding;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Copilot;

public static class CopilotServiceCollectionExtensions
{
    /// <summary>
    /// The agent co-pilot: options (validated at start-up), the playbooks, local retrieval, and, when an
    /// <see cref="IChatClient"/> is registered, drafts by the language model from the same grounding. Needs
    /// <c>AddAssistant</c> (knowledge base, sentence encoder) and <c>AddHandoff</c>.
    /// </summary>
    public static IServiceCollection AddCopilot(this IServiceCollection services)
    {
        services.AddOptions<CopilotOptions>().BindConfiguration(CopilotOptions.Section).ValidateDataAnnotations()
            .Validate(o => Directory.Exists(Path.GetFullPath(o.PlaybooksFolder, AppContext.BaseDirectory)), "Copilot:PlaybooksFolder does not name an existing folder.")
            .ValidateOnStart();
        services.TryAddSingleton(sp => PlaybookLibrary.Load(Path.GetFullPath(sp.GetRequiredService<IOptions<CopilotOptions>>().Value.PlaybooksFolder, AppContext.BaseDirectory)));
        services.TryAddSingleton(sp => new LocalCopilot(sp.GetRequiredService<KnowledgeBase>(), sp.GetRequiredService<PlaybookLibrary>(), sp.GetRequiredService<ISentenceEmbedder>()));
        services.TryAddSingleton<ICopilot>(sp => sp.GetService<IChatClient>() is { } chat
            ? new ChatClientCopilot(chat, sp.GetRequiredService<LocalCopilot>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ChatClientCopilot>>())
            : sp.GetRequiredService<LocalCopilot>());
        services.TryAddSingleton<CopilotService>();
        return services;
    }
}
