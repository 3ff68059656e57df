using HandoffBot.AgentConsole;
using HandoffBot.Hosting.Access;
using HandoffBot.Routing;
using HandoffBot.Tests.Resources;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.AgentConsole;

/// <summary>When the console prints sign-in links, when it stays off, and that a printed key signs in once made.</summary>
public sealed class ConsoleAccessTests
{
    [Fact]
    public async Task OnLoopbackWithNothingConfiguredEachAgentGetsALinkWhoseKeyWorks()
    {
        var (console, keys, log) = await StartAsync(["http://127.0.0.1:3978"], new AccessOptions());

        Assert.True(console.IsReachable);
        Assert.Equal(["Alex", "Sam", "Supervisor"], console.SignInLinks.Select(l => l.Agent));
        var alex = console.SignInLinks[0].Link;
        Assert.Equal("http://127.0.0.1:3978/agent/sign-in", alex.GetLeftPart(UriPartial.Path));
        var entry = keys.Find(alex.Fragment["#key=".Length..]);
        Assert.Equal(("alex", AccessRoles.Agent), (entry?.AgentId, entry?.Role));
        Assert.Equal("", entry!.Key); // only the digest is kept
        Assert.Contains(log.Entries, e => e.Event.Id == 7000 && e.Message == $"Agent console for Alex: {alex}");
    }

    [Fact]
    public async Task WithConfiguredAccessNoLinkIsPrintedAndNoKeyIsMade()
    {
        var access = new AccessOptions { ApiKeys = [new ApiKeyEntry { Name = "Alex", Key = "configured-key-0123456789", Role = AccessRoles.Agent, AgentId = "alex" }] };
        var (console, keys, log) = await StartAsync(["http://127.0.0.1:3978"], access);

        Assert.True(console.IsReachable);
        Assert.Empty(console.SignInLinks);
        Assert.DoesNotContain(log.Entries, e => e.Event.Id == 7000);
        Assert.Equal("alex", keys.Find("configured-key-0123456789")?.AgentId);
    }

    [Theory]
    [InlineData("http://0.0.0.0:3978")]
    [InlineData("http://+:80")]
    [InlineData("http://bot.example.org:3978")]
    public async Task BeyondLoopbackWithNothingConfiguredTheConsoleStaysOffAndSaysWhichKeysToSet(string address)
    {
        var (console, _, log) = await StartAsync(["http://127.0.0.1:3978", address], new AccessOptions());

        Assert.False(console.IsReachable);
        Assert.Empty(console.SignInLinks);
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("Access:ApiKeys", error.Message, StringComparison.Ordinal);
        Assert.Contains("Access:Jwt", error.Message, StringComparison.Ordinal);
    }

    private static async Task<(ConsoleAccess Console, AccessKeys Keys, CapturingLogger<ConsoleAccess> Log)> StartAsync(string[] addresses, AccessOptions access)
    {
        var keys = new AccessKeys(Options.Create(access));
        var routing = new RoutingOptions { Agents = [new RoutingAgentOptions { Id = "alex", Name = "Alex" }, new RoutingAgentOptions { Id = "sam", Name = "Sam" }] };
        var lifetime = new Lifetime();
        var log = new CapturingLogger<ConsoleAccess>();
        var console = new ConsoleAccess(keys, Options.Create(new AgentConsoleOptions()), Options.Create(routing), new Server(addresses), lifetime, log);
        await console.StartAsync(CancellationToken.None);
        Assert.False(console.IsReachable); // nothing before the server listens
        await lifetime.Started.CancelAsync();
        return (console, keys, log);
    }

    private sealed class Server(string[] addresses) : IServer
    {
        public IFeatureCollection Features { get; } = Collection(addresses);

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }

        private static FeatureCollection Collection(string[] addresses)
        {
            var feature = new ServerAddressesFeature();
            foreach (var address in addresses)
            {
                feature.Addresses.Add(address);
            }
            var features = new FeatureCollection();
            features.Set<IServerAddressesFeature>(feature);
            return features;
        }
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationTokenSource Started { get; } = new();

        public CancellationToken ApplicationStarted => Started.Token;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
