using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HandoffBot.Tests.Support;

/// <summary>
/// The real bot on a real Kestrel socket on 127.0.0.1 (a dynamic port), with real time, a Direct Line secret and a
/// private data folder, for clients that need a network address: browsers, Node, load tools.
/// </summary>
public sealed class LiveBot : IAsyncDisposable
{
    public const string Secret = "live-test-secret-0123456789";

    private readonly BotFactory _factory;
    private readonly DirectoryInfo _data;

    private LiveBot(BotFactory factory, DirectoryInfo data, Uri baseAddress)
    {
        _factory = factory;
        _data = data;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _factory.Services;

    public static LiveBot Start(Action<BotFactory>? configure = null)
    {
        var data = Directory.CreateTempSubdirectory("handoffbot-live-");
        var factory = new BotFactory()
            .With("DirectLine:Secret", Secret)
            .With("Storage:DataFolder", data.FullName)
            .With("Urls", "http://127.0.0.1:0")
            .WithServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton(TimeProvider.System);
            });
        configure?.Invoke(factory);
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LiveBot(factory, data, new Uri(address));
    }

    /// <summary>The repository root (where HandoffBot.sln is), for scripts and artifacts.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "HandoffBot.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException("HandoffBot.sln not found above " + AppContext.BaseDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        try
        {
            _data.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
