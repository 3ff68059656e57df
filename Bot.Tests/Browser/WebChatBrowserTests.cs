using System.Runtime.CompilerServices;
using HandoffBot.Tests.Support;
using Microsoft.Playwright;

namespace HandoffBot.Tests.Browser;

/// <summary>
/// The real Web Chat (botframework-webchat from npm) in Debian's Chromium, driven by Playwright, against the bot on a
/// real loopback port. A failing test leaves a screenshot in artifacts/screenshots.
/// </summary>
public sealed class WebChatBrowserTests(WebChatBrowserFixture browser) : IClassFixture<WebChatBrowserFixture>
{
    private const string Greeting = "I'm the HandoffBot assistant";
    private const string DeliveryAnswer = "Standard delivery takes 3-5 working days";

    [Fact]
    public Task WebChatOverTheWebSocketShowsTheGreetingAndAKnowledgeBaseAnswer() => browser.RunAsync("/", async page =>
    {
        await Expect(page, Greeting);
        await SendAsync(page, "how long does delivery take");
        await Expect(page, DeliveryAnswer);
        Assert.Empty(browser.BlockedByPolicy(page));
        Assert.DoesNotContain(LiveBot.Secret, await page.ContentAsync(), StringComparison.Ordinal);
    });

    [Fact]
    public Task WebChatInPollingModeShowsTheGreetingAndAKnowledgeBaseAnswer() => browser.RunAsync("/?webSocket=false", async page =>
    {
        await Expect(page, Greeting);
        await SendAsync(page, "how long does delivery take");
        await Expect(page, DeliveryAnswer);
        Assert.Empty(browser.BlockedByPolicy(page));
    });

    [Fact]
    public Task ReloadingThePageReconnectsToTheSameConversationWithItsHistory() => browser.RunAsync("/", async page =>
    {
        await Expect(page, Greeting);
        await SendAsync(page, "how long does delivery take");
        await Expect(page, DeliveryAnswer);
        var conversation = await page.GetAttributeAsync("body", "data-conversation-id");

        await page.ReloadAsync();

        await Expect(page, DeliveryAnswer);
        await Expect(page, "how long does delivery take");
        Assert.Equal(conversation, await page.GetAttributeAsync("body", "data-conversation-id"));
        await SendAsync(page, "how do I return an item");
        await Expect(page, "return", count: 2);
        Assert.Equal(1, await Bubbles(page, Greeting).CountAsync());
    });

    private static Task SendAsync(IPage page, string text) => ConsoleBrowser.SendToWebChatAsync(page, text);

    private static ILocator Bubbles(IPage page, string text) => ConsoleBrowser.WebChatBubble(page, text);

    private static async Task Expect(IPage page, string text, int count = 1)
    {
        await Bubbles(page, text).Nth(count - 1).WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 20_000 });
    }
}

/// <summary>One Chromium (Debian's, at /usr/bin/chromium; Playwright downloads no browser) and one live bot per test class.</summary>
public sealed class WebChatBrowserFixture : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private readonly Dictionary<IPage, List<string>> _console = [];
    private IPlaywright? _playwright;
    private IBrowserContext? _context;
    private LiveBot? _bot;
    private DirectoryInfo? _profile;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), "Chromium is missing: run eng/prerequisites.sh (apt-get install chromium).");
        _bot = LiveBot.Start();
        _profile = Directory.CreateTempSubdirectory("handoffbot-chromium-");
        _playwright = await Playwright.CreateAsync();
        _context = await _playwright.Chromium.LaunchPersistentContextAsync(_profile.FullName, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 900, Height = 800 },
        });
    }

    /// <summary>Opens the page in a new tab (its own sessionStorage), runs the steps, and keeps a screenshot if they fail.</summary>
    public async Task RunAsync(string path, Func<IPage, Task> steps, [CallerMemberName] string test = "")
    {
        var page = await _context!.NewPageAsync();
        var messages = new List<string>();
        lock (_console)
        {
            _console[page] = messages;
        }
        page.Console += (_, message) => { lock (messages) { messages.Add(message.Text); } };
        page.PageError += (_, error) => { lock (messages) { messages.Add("page error: " + error); } };
        try
        {
            await page.GotoAsync(new Uri(_bot!.BaseAddress, path).ToString());
            await steps(page);
        }
        catch
        {
            var folder = Path.Combine(LiveBot.RepositoryRoot(), "artifacts", "screenshots");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, test + ".png"), FullPage = true });
            await File.WriteAllLinesAsync(Path.Combine(folder, test + ".console.txt"), messages);
            throw;
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>Console messages saying the Content-Security-Policy blocked something.</summary>
    public IReadOnlyList<string> BlockedByPolicy(IPage page)
    {
        List<string> messages;
        lock (_console)
        {
            messages = _console[page];
        }
        lock (messages)
        {
            return [.. messages.Where(m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || m.StartsWith("page error", StringComparison.Ordinal))];
        }
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }
        _playwright?.Dispose();
        if (_bot is not null)
        {
            await _bot.DisposeAsync();
        }
        try
        {
            _profile?.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
