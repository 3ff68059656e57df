using HandoffBot.Protocol;
using HandoffBot.Protocol.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HandoffBot.Hosting;

public static class HostingServiceCollectionExtensions
{
    /// <summary>The channel side: options, authentication, the Connector client, the adapter and its turn queue.</summary>
    public static IServiceCollection AddBotHosting(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<BotIdentityOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MessagesOptions>().BindConfiguration(MessagesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddChannelAuthentication();
        services.AddConnectorClient();
        services.AddSingleton<TurnQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<TurnQueue>());
        // After the turn queue: it has read this instance's own unfinished items before anything is taken over.
        services.AddSingleton<InboxTakeoverService>();
        services.AddHostedService(sp => sp.GetRequiredService<InboxTakeoverService>());
        services.AddSingleton<ConversationLocks>();
        services.AddSingleton<ChannelAdapter>();
        // The adapter runs the pipeline, whose handoff code sends proactively through the adapter again: features take
        // it lazily (resolved at first use, here in the composition root) instead of looking it up themselves.
        services.AddSingleton(sp => new Lazy<ChannelAdapter>(sp.GetRequiredService<ChannelAdapter>));
        return services;
    }
}
