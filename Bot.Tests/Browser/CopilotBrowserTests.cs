using HandoffBot.Copilot;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static HandoffBot.Tests.Browser.ConsoleBrowser;
using static Microsoft.Playwright.Assertions;

namespace HandoffBot.Tests.Browser;

/// <summary>The co-pilot in the console, in Chromium: a suggestion inserted, edited and sent reaches the customer with the edit.</summary>
public sealed class CopilotBrowserTests
{
    [Fact]
    public async Task ASuggestionTheAgentInsertsEditsAndSendsReachesTheCustomerWithTheEditAndIsRecordedAsUsed()
    {
        await using var browser = await StartAsync();
        await browser.RunAsync(async () =>
        {
            var (alex, customer) = await AgentConsoleEdgeBrowserTests.AlexAndACustomerAsync(browser);
            await SendToWebChatAsync(customer, "I was charged twice for my order, two payments of $89 on my card");
            await SendToWebChatAsync(customer, "I want the duplicate payment refunded, let me talk to a person");
            await alex.GetByRole(AriaRole.Button, new() { NameRegex = new("^Accept ") }).First.ClickAsync();

            // Up to three suggestions, each a button named "Use suggestion ..." with its source beside it.
            var use = alex.GetByRole(AriaRole.Button, new() { NameRegex = new("^Use suggestion") });
            await Expect(use.First).ToBeVisibleAsync();
            Assert.InRange(await use.CountAsync(), 1, 3);
            var first = alex.Locator("#suggestions li.suggestion").First;
            var source = (await first.GetAttributeAsync("data-source"))!;
            Assert.Matches("^(kb:|playbook:)", source);
            await Expect(first).ToContainTextAsync(source.StartsWith("kb:", StringComparison.Ordinal) ? "Knowledge base: " : "Playbook: ");
            var suggested = await first.Locator(".suggestion-text").TextContentAsync();

            // Inserted into the message box, nothing sent yet; the agent edits and sends.
            await use.First.ClickAsync();
            var message = alex.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
            await Expect(message).ToHaveValueAsync(suggested!);
            Assert.Equal(0, await WebChatBubble(customer, suggested!).CountAsync());
            var edited = suggested + " Alex here, sorry for the trouble.";
            await message.FillAsync(edited);
            await message.PressAsync("Enter");
            await Expect(WebChatBubble(customer, "Alex here, sorry for the trouble.")).ToBeVisibleAsync();
            await Expect(WebChatBubble(customer, "Alex here, sorry for the trouble.")).ToContainTextAsync(suggested![..20]);

            var handoffs = browser.Bot.Services.GetRequiredService<IHandoffStore>();
            var conversation = await customer.GetAttributeAsync("body", "data-conversation-id");
            var handoff = (await handoffs.GetLatestForCustomerAsync($"directline/conversations/{conversation}", CancellationToken.None))!;
            var log = await browser.Bot.Services.GetRequiredService<IHandoffEventLog>().ReadHandoffAsync(handoff.Id, CancellationToken.None);
            Assert.Contains(log, e => e.Entry.Action == CopilotActions.Used && e.Entry.Reason == source);
            Assert.Contains(log, e => e.Message is { Kind: HandoffMessageKind.ToCustomer } m && m.Text == edited);

            // The customer writes: the suggestions are fetched again; a dismissed one is recorded too.
            var refreshed = await alex.Locator("body").GetAttributeAsync("data-suggestions");
            await SendToWebChatAsync(customer, "ok thanks, and when will the money be back on my card?");
            await Expect(alex.Locator("body")).Not.ToHaveAttributeAsync("data-suggestions", refreshed!);
            var dismissedSource = (await alex.Locator("#suggestions li.suggestion").First.GetAttributeAsync("data-source"))!;
            var feedback = await alex.RunAndWaitForResponseAsync(
                () => alex.GetByRole(AriaRole.Button, new() { Name = "Dismiss suggestion 1" }).ClickAsync(),
                r => r.Url.EndsWith("/suggestions/feedback", StringComparison.Ordinal));
            Assert.True(feedback.Ok);
            await Expect(alex.Locator($"#suggestions li.suggestion[data-source='{dismissedSource}']")).ToHaveCountAsync(0);
            var entries = await browser.Bot.Services.GetRequiredService<IHandoffEventLog>().ReadHandoffAsync(handoff.Id, CancellationToken.None);
            Assert.Contains(entries, e => e.Entry.Action == CopilotActions.Dismissed && e.Entry.Reason == dismissedSource);
        });
    }
}
