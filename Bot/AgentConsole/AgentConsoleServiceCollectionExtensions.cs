using HandoffBot.Handoff;
using HandoffBot.Hosting.Access;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace HandoffBot.AgentConsole;

public static class AgentConsoleServiceCollectionExtensions
{
    /// <summary>The console's session cookie scheme.</summary>
    public const string CookieScheme = "AgentConsole";

    /// <summary>The policy of every console API: a signed-in agent, supervisor or admin (cookie, API key or JWT bearer).</summary>
    public const string Policy = "AgentConsole";

    /// <summary>The policy of the supervisor view's API: a signed-in supervisor or admin (cookie, API key or JWT bearer).</summary>
    public const string SupervisorPolicy = "SupervisorConsole";

    /// <summary>The header carrying the anti-forgery token on every state-changing request from the page.</summary>
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    /// <summary>
    /// The web agent console: options, the session cookie (HttpOnly, SameSite=Strict, Secure on HTTPS, sliding),
    /// anti-forgery, its authorization policy, and <see cref="ConsoleAccess"/> (sign-in links on embedded defaults;
    /// a reachable agent desk for the coordinator). Needs <c>AddHandoffAccess</c> and <c>AddHandoff</c>.
    /// </summary>
    public static IServiceCollection AddAgentConsole(this IServiceCollection services)
    {
        services.AddOptions<AgentConsoleOptions>().BindConfiguration(AgentConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ConsoleAccess>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsoleAccess>());
        services.AddSingleton<IAgentChannel>(sp => sp.GetRequiredService<ConsoleAccess>());
        services.AddSingleton<ConsoleViews>();

        services.AddAuthentication().AddCookie(CookieScheme, cookie =>
        {
            cookie.Cookie.Name = "handoffbot.agent";
            cookie.Cookie.Path = "/agent";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.SlidingExpiration = true;
            // An API answers 401/403; the page itself sends people to the sign-in page.
            cookie.Events.OnRedirectToLogin = context => Status(context.Response, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => Status(context.Response, StatusCodes.Status403Forbidden);
        });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<IOptions<AgentConsoleOptions>, TimeProvider>((cookie, console, time) =>
        {
            cookie.ExpireTimeSpan = console.Value.SessionLifetime;
            cookie.TimeProvider = time;
        });
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = AntiforgeryHeader;
            antiforgery.Cookie.Name = "handoffbot.csrf";
            antiforgery.Cookie.Path = "/agent";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(CookieScheme, AccessServiceCollectionExtensions.Scheme)
            .RequireRole(AccessRoles.Agent, AccessRoles.Supervisor, AccessRoles.Admin));
        services.AddAuthorizationBuilder().AddPolicy(SupervisorPolicy, policy => policy
            .AddAuthenticationSchemes(CookieScheme, AccessServiceCollectionExtensions.Scheme)
            .RequireRole(AccessRoles.Supervisor, AccessRoles.Admin));
        services.AddSingleton<SupervisorViews>();
        services.AddSingleton<RosterChanges>();
        services.AddHostedService<ConfigurationChangeAudit>();
        return services;
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}
