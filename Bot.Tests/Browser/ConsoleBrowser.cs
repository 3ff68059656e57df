using System.Runtime.CompilerServices;
using HandoffBot.AgentConsole;
using HandoffBot.Handoff;
using HandoffBot.Resources;
using HandoffBot.Routing;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HandoffBot.Tests.Browser;

/// <summary>
/// A live bot on loopback with nothing configured (embedded defaults: sign-in links for the roster agents) and Debian's
/// Chromium, with one browser context per person (a customer in Web Chat, agents in the console). Each test gets its
/// own bot, or several (instances of one deployment, each on its own port), and opens each page on one of them.
/// A failing step leaves screenshots of every open page in artifacts/screenshots.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly List<(string Name, IPage Page, List<string> Console)> _pages = [];
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private ConsoleBrowser(IReadOnlyList<LiveBot> bots, IPlaywright playwright, IBrowser browser)
    {
        Bots = bots;
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>The first (or only) bot: where pages open unless told otherwise.</summary>
    public LiveBot Bot => Bots[0];

    /// <summary>Every bot, in the order they started.</summary>
    public IReadOnlyList<LiveBot> Bots { get; }

    public ICopy Copy => Bot.Services.GetRequiredService<ICopy>();

    public static Task<ConsoleBrowser> StartAsync(Action<BotFactory>? configure = null) => StartAsync([configure ?? (_ => { })]);

    /// <summary>One live bot per entry, started one after the other, each with its own configuration.</summary>
    public static async Task<ConsoleBrowser> StartAsync(IReadOnlyList<Action<BotFactory>> instances)
    {
        Assert.True(File.Exists(ChromiumPath), "Chromium is missing: run eng/prerequisites.sh (apt-get install chromium).");
        var bots = new List<LiveBot>();
        try
        {
            foreach (var configure in instances)
            {
                bots.Add(LiveBot.Start(factory =>
                {
                    factory.WithoutAccess();
                    configure(factory);
                }));
            }
        }
        catch
        {
            foreach (var started in bots)
            {
                await started.DisposeAsync();
            }
            throw;
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
        });
        return new ConsoleBrowser(bots, playwright, browser);
    }

    /// <summary>A new person: their own context (cookies, storage), one page at <paramref name="path"/> of <paramref name="on"/> (the first bot by default).</summary>
    public async Task<IPage> OpenAsync(string name, string path, LiveBot? on = null)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => { lock (console) { console.Add(message.Text); } };
        page.PageError += (_, error) => { lock (console) { console.Add("page error: " + error); } };
        _pages.Add((name, page, console));
        await page.GotoAsync(new Uri((on ?? Bot).BaseAddress, path).ToString());
        return page;
    }

    /// <summary>The agent's console on <paramref name="on"/> (the first bot by default), signed in through the link that bot printed at start-up.</summary>
    public async Task<IPage> AgentAsync(string name, LiveBot? on = null)
    {
        var bot = on ?? Bot;
        var link = bot.Services.GetRequiredService<ConsoleAccess>().SignInLinks.Single(l => l.Agent == name).Link;
        var page = await OpenAsync(name, link.PathAndQuery + link.Fragment, bot);
        await Assertions.Expect(page.Locator("#me-name")).ToContainTextAsync(name);
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("live");
        return page;
    }

    public Task SetPresenceAsync(string agent, AgentPresence presence) =>
        Bot.Services.GetRequiredService<HandoffCoordinator>().SetPresenceAsync(new AgentId(agent), presence, CancellationToken.None);

    /// <summary>Runs the steps; on failure keeps a screenshot and the console log of every page.</summary>
    public async Task RunAsync(Func<Task> steps, [CallerMemberName] string test = "")
    {
        try
        {
            await steps();
            foreach (var (name, _, console) in _pages)
            {
                lock (console)
                {
                    Assert.True(!console.Any(m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || m.StartsWith("page error", StringComparison.Ordinal)),
                        $"{name}'s page reported: " + string.Join(" | ", console));
                }
            }
        }
        catch
        {
            var folder = Path.Combine(LiveBot.RepositoryRoot(), "artifacts", "screenshots");
            Directory.CreateDirectory(folder);
            foreach (var (name, page, console) in _pages)
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{test}-{name}.png"), FullPage = true });
                lock (console)
                {
                    File.WriteAllLines(Path.Combine(folder, $"{test}-{name}.console.txt"), console);
                }
            }
            throw;
        }
    }

    public static async Task SendToWebChatAsync(IPage customer, string text)
    {
        var input = customer.Locator("[data-id='webchat-sendbox-input']");
        await input.FillAsync(text);
        await input.PressAsync("Enter");
    }

    public static ILocator WebChatBubble(IPage customer, string text) =>
        customer.Locator(".webchat__bubble__content").Filter(new() { HasText = text });

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
        foreach (var bot in Bots.Reverse())
        {
            await bot.DisposeAsync();
        }
    }
}
