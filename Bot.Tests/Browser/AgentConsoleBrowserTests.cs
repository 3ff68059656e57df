using System.Text.RegularExpressions;
using HandoffBot.Resources;
using HandoffBot.Routing;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static HandoffBot.Tests.Browser.ConsoleBrowser;
using static HandoffBot.Tests.Browser.HandoffSteps;
using static Microsoft.Playwright.Assertions;

namespace HandoffBot.Tests.Browser;

/// <summary>
/// A whole handoff on embedded defaults, in real Chromium: a customer in the Web Chat page, agents in the console
/// (signed in through the printed links), everything live over the bot's own Direct Line and the console's push channel.
/// </summary>
public sealed class AgentConsoleBrowserTests
{
    [Fact]
    public async Task ACustomerIsHandedToAnAgentWhoChatsTransfersWithANoteAndTheNextAgentEndsWithARating()
    {
        await using var browser = await StartAsync();
        await browser.RunAsync(async () =>
        {
            var (alex, customer) = await AgentConsoleEdgeBrowserTests.AlexAndACustomerAsync(browser);

            await AskTheAssistantThenForAPersonAsync(customer);
            await AcceptTheOfferAsync(alex);

            // The customer is told who joined; Alex's messages show as from Alex.
            var message = await AgentJoinsAndWritesAsync(browser, alex, "Alex", customer, "Hi, I'm Alex. Let me look at your order.");

            // Typing both ways.
            await TypingBothWaysAsync(alex, message, customer);

            // A private note stays with the agents.
            await message.FillAsync("Customer already waited a week: offer express replacement.");
            await alex.GetByRole(AriaRole.Button, new() { Name = "Add private note" }).ClickAsync();
            await Expect(alex.Locator("#timeline .line-note:not(.pending)")).ToContainTextAsync("express replacement");

            // Transfer to Sam with a note; Sam sees the offer and the notes.
            await browser.SetPresenceAsync("sam", AgentPresence.Available);
            var sam = await browser.AgentAsync("Sam");
            await alex.GetByRole(AriaRole.Button, new() { Name = "Transfer" }).ClickAsync();
            await alex.Locator("#transfer-target").SelectOptionAsync("agent:sam");
            await alex.Locator("#transfer-note").FillAsync("Sam, please check the courier claim.");
            await alex.Locator("#transfer-confirm").ClickAsync();
            await Expect(sam.Locator("#offers li.item")).ToHaveCountAsync(1);
            await sam.GetByRole(AriaRole.Button, new() { NameRegex = new("^Accept ") }).First.ClickAsync();
            await Expect(sam.Locator("#timeline .line-note")).ToHaveCountAsync(2);
            await Expect(sam.Locator("#timeline")).ToContainTextAsync("check the courier claim");
            await Expect(sam.Locator("#timeline")).ToContainTextAsync("Hi, I'm Alex.");
            await Expect(WebChatBubble(customer, browser.Copy.Get("en", "handoff.agentJoined", ("agent", "Sam")))).ToBeVisibleAsync();
            await Expect(alex.Locator("#conversations li.item")).ToHaveCountAsync(0);

            // Sam ends; the customer rates; the rating is stored.
            await EndAndRateAsync(browser, sam, "Sam", customer, 5);
            await AsksTheAssistantAgainAsync(customer);
            await AssertBackWithTheBotAndRatedAsync(browser.Bot, customer, 5);

            // The customer never saw the notes.
            Assert.DoesNotContain("express replacement", await customer.ContentAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("courier claim", await customer.ContentAsync(), StringComparison.Ordinal);
        });
    }
}

/// <summary>The console's edges in the browser: reconnecting, hostile customer text, sign-in errors, accessibility.</summary>
public sealed class AgentConsoleEdgeBrowserTests
{
    [Fact]
    public async Task AfterItsPushConnectionIsCutAndRestoredTheAgentSeesEveryCustomerMessageOnce()
    {
        await using var browser = await StartAsync();
        await browser.RunAsync(async () =>
        {
            var (alex, customer) = await ConnectedAsync(browser);
            await alex.EvaluateAsync("window.handoffConsole.disconnect()");
            await Expect(alex.Locator("body")).ToHaveAttributeAsync("data-live", "false");
            await SendToWebChatAsync(customer, "first while you were away");
            await Expect(WebChatBubble(customer, "first while you were away")).ToBeVisibleAsync();
            await SendToWebChatAsync(customer, "second while you were away");
            await Expect(WebChatBubble(customer, "second while you were away")).ToBeVisibleAsync();
            // Both are committed before the connection comes back; the page resumes from the last sequence it saw.
            await WaitForEventsAsync(browser, "second while you were away");
            await alex.EvaluateAsync("window.handoffConsole.reconnect()");
            await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = "second while you were away" })).ToHaveCountAsync(1);
            await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = "first while you were away" })).ToHaveCountAsync(1);
            await SendToWebChatAsync(customer, "and one more now");
            await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = "and one more now" })).ToHaveCountAsync(1);
            await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = "while you were away" })).ToHaveCountAsync(2);

            // A reload shows the same conversation.
            await alex.ReloadAsync();
            await alex.GetByRole(AriaRole.Button, new() { NameRegex = new("^Open ") }).First.ClickAsync();
            await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = "while you were away" })).ToHaveCountAsync(2);
            await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = "and one more now" })).ToHaveCountAsync(1);
        });
    }

    [Fact]
    public async Task CustomerTextIsShownAsTextNeverAsHtml()
    {
        await using var browser = await StartAsync();
        await browser.RunAsync(async () =>
        {
            var (alex, customer) = await ConnectedAsync(browser);
            var dialogs = 0;
            alex.Dialog += (_, _) => dialogs++;
            const string hostile = "<img src=x onerror=alert(1)><b>bold</b>";
            await SendToWebChatAsync(customer, hostile);
            await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = hostile })).ToHaveCountAsync(1);
            Assert.Equal(0, await alex.Locator("#timeline img, #timeline b").CountAsync());
            Assert.Equal(0, dialogs);
        });
    }

    [Fact]
    public async Task AWrongAccessKeyGetsAClearErrorOnTheSignInPage()
    {
        await using var browser = await StartAsync();
        await browser.RunAsync(async () =>
        {
            var page = await browser.OpenAsync("visitor", "/agent/sign-in");
            await page.GetByLabel("Access key").FillAsync("not-a-key-at-all");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The access key is not valid.");
            await page.GotoAsync(new Uri(browser.Bot.BaseAddress, "/agent").ToString());
            await Expect(page).ToHaveURLAsync(new Regex("/agent/sign-in$"));
        });
    }

    [Fact]
    public async Task TheConsolePagesHaveNoSeriousOrCriticalAccessibilityViolations()
    {
        await using var browser = await StartAsync();
        await browser.RunAsync(async () =>
        {
            var signIn = await browser.OpenAsync("visitor", "/agent/sign-in");
            await AssertAccessibleAsync(signIn, "sign-in");
            var (alex, customer) = await ConnectedAsync(browser);
            await SendToWebChatAsync(customer, "it arrived broken and nobody answers my emails");
            await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = "arrived broken" })).ToHaveCountAsync(1);
            await AssertAccessibleAsync(alex, "workspace");
            // The README's picture of the console.
            await alex.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(LiveBot.RepositoryRoot(), "artifacts", "agent-console.png") });
            await alex.GetByRole(AriaRole.Button, new() { Name = "Shortcuts" }).ClickAsync();
            await Expect(alex.Locator("#help")).ToBeVisibleAsync();
            await AssertAccessibleAsync(alex, "workspace with the shortcuts");
        });
    }

    /// <summary>Alex signed in, a customer who asked for a person, the offer accepted and the workspace open.</summary>
    internal static async Task<(IPage Alex, IPage Customer)> ConnectedAsync(ConsoleBrowser browser)
    {
        var (alex, customer) = await AlexAndACustomerAsync(browser);
        await SendToWebChatAsync(customer, "my order is wrong, I want to talk to a human");
        await alex.GetByRole(AriaRole.Button, new() { NameRegex = new("^Accept ") }).First.ClickAsync();
        await Expect(alex.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeVisibleAsync();
        await Expect(WebChatBubble(customer, browser.Copy.Get("en", "handoff.agentJoined", ("agent", "Alex")))).ToBeVisibleAsync();
        return (alex, customer);
    }

    /// <summary>
    /// Only Alex available and signed in (on <paramref name="alexOn"/>); a customer on the Web Chat page (of
    /// <paramref name="customerOn"/>), greeted. Both on the first bot by default.
    /// </summary>
    internal static async Task<(IPage Alex, IPage Customer)> AlexAndACustomerAsync(ConsoleBrowser browser, LiveBot? alexOn = null, LiveBot? customerOn = null)
    {
        await browser.SetPresenceAsync("sam", AgentPresence.Away);
        await browser.SetPresenceAsync("priya", AgentPresence.Away);
        var alex = await browser.AgentAsync("Alex", alexOn);
        var customer = await browser.OpenAsync("customer", "/", customerOn);
        await Expect(WebChatBubble(customer, "I'm the HandoffBot assistant")).ToBeVisibleAsync();
        return (alex, customer);
    }

    /// <summary>Waits until a customer message with <paramref name="text"/> is in the handoff event log (committed).</summary>
    private static async Task WaitForEventsAsync(ConsoleBrowser browser, string text)
    {
        var log = browser.Bot.Services.GetRequiredService<HandoffBot.Handoff.Events.IHandoffEventLog>();
        var turns = browser.Bot.Services.GetRequiredService<HandoffBot.Hosting.TurnQueue>();
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            await turns.WhenIdleAsync(CancellationToken.None);
            if ((await log.ReadAfterAsync(0, 10_000, CancellationToken.None)).Any(e => e.Message?.Text == text))
            {
                return;
            }
            await Task.Yield(); // the message is still on its way from the browser to the bot
        }
        Assert.Fail($"'{text}' never reached the handoff event log.");
    }

    private static async Task AssertAccessibleAsync(IPage page, string name)
    {
        var axe = await File.ReadAllTextAsync(Path.Combine(LiveBot.RepositoryRoot(), "eng", "browser-tests", "node_modules", "axe-core", "axe.min.js"));
        await page.EvaluateAsync(axe);
        var violations = await page.EvaluateAsync<string[]>("""
            async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))
            """);
        Assert.True(violations.Length == 0, $"axe-core on the {name} page: " + string.Join("; ", violations));
    }
}
