using HandoffBot.Hosting;

namespace HandoffBot.Protocol.Authentication;

public static class AuthenticationServiceCollectionExtensions
{
    /// <summary>Bot Framework token validation for /api/messages (local mode when MicrosoftAppId is empty).</summary>
    public static IServiceCollection AddChannelAuthentication(this IServiceCollection services)
    {
        services.AddOptions<ChannelAuthenticationOptions>().BindConfiguration(ChannelAuthenticationOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(BotFrameworkAuthenticator.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<IChannelAuthenticator, BotFrameworkAuthenticator>();
        return services;
    }
}
