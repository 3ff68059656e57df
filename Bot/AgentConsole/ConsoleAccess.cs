using System.Net;
using HandoffBot.Handoff;
using HandoffBot.Hosting.Access;
using HandoffBot.Routing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace HandoffBot.AgentConsole;

/// <summary>
/// Decides whether the console runs and, on embedded defaults, lets agents in. With access configured
/// (<c>Access:ApiKeys</c> or <c>Access:Jwt</c>) agents sign in with those. With nothing configured and the bot
/// listening on loopback only, one key per roster agent is made at every start (only its digest is kept) and one
/// sign-in link per agent is printed, as notebook servers print their token URL. With nothing configured on any other
/// address the console stays off and says which keys to set.
/// </summary>
public sealed partial class ConsoleAccess(
    AccessKeys keys,
    IOptions<AgentConsoleOptions> options,
    IOptions<RoutingOptions> routing,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<ConsoleAccess> logger) : IAgentChannel, IHostedService
{
    private volatile bool _open;

    public string Name => "console";

    /// <summary>True once the server listens and agents can sign in to the console.</summary>
    public bool IsReachable => _open;

    /// <summary>The sign-in links printed on embedded defaults (agent name, link), for the start-up log and tests.</summary>
    public IReadOnlyList<(string Agent, Uri Link)> SignInLinks { get; private set; } = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
        {
            lifetime.ApplicationStarted.Register(Open);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Open()
    {
        if (keys.IsConfigured)
        {
            _open = true;
            return;
        }
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal))).ToList() ?? [];
        if (addresses.Count == 0 || !addresses.All(IsLoopback))
        {
            LogNeedsAccess(logger, string.Join(", ", addresses));
            return;
        }
        var links = new List<(string, Uri)>();
        var baseAddress = addresses[0];
        foreach (var agent in routing.Value.Agents)
        {
            var key = keys.AddGenerated(new ApiKeyEntry { Name = agent.Name, Role = AccessRoles.Agent, AgentId = agent.Id });
            var link = new Uri(baseAddress, "/agent/sign-in#key=" + key);
            links.Add((agent.Name, link));
            LogSignInLink(logger, agent.Name, link);
        }
        var supervisorKey = keys.AddGenerated(new ApiKeyEntry { Name = "Supervisor", Role = AccessRoles.Supervisor });
        var supervisorLink = new Uri(baseAddress, "/agent/sign-in#key=" + supervisorKey);
        links.Add(("Supervisor", supervisorLink));
        LogSignInLink(logger, "a supervisor", supervisorLink);
        SignInLinks = links;
        _open = true;
    }

    private static bool IsLoopback(Uri address) =>
        address.IsLoopback || (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Agent console for {Agent}: {Link}")]
    private static partial void LogSignInLink(ILogger logger, string agent, Uri link);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "The agent console is off: the bot listens on {Addresses}, beyond loopback, and no access is configured. Set Access:ApiKeys (Name, Key, Role, AgentId) or Access:Jwt to let agents sign in.")]
    private static partial void LogNeedsAccess(ILogger logger, string addresses);
}
