using System.Text.Json;
using HandoffBot.AgentConsole;
using HandoffBot.Handoff;
using HandoffBot.Routing;
using HandoffBot.Tests.Analytics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static HandoffBot.Tests.Browser.ConsoleBrowser;
using static Microsoft.Playwright.Assertions;

namespace HandoffBot.Tests.Browser;

/// <summary>
/// The supervisor view in Chromium on a live bot: a supervisor signs in through the printed link; the analytics of
/// the last 7 days (seeded through the bot's own stores) show as figures and Chart.js charts that match the JSON; a
/// conversation in progress is reassigned from the page to an agent who takes it over, and an agent's capacity is
/// changed there (a configuration change in the audit log).
/// </summary>
public sealed class SupervisorBrowserTests
{
    private static async Task SeedAsync(IServiceProvider services)
    {
        var seed = new AnalyticsSeed(services);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        DateTimeOffset Ago(int seconds) => now - TimeSpan.FromSeconds(seconds);
        await seed.MessageAsync("sup-a", Ago(600));
        await seed.MessageAsync("sup-a", Ago(590));
        await seed.OpenAsync("sup-h1", "sup-a", "ua", Ago(580), "billing", "HumanRequest", "billing_dispute");
        await seed.MoveAsync("sup-h1", h => h.Offer("alex", Ago(570), "best match"));
        await seed.MoveAsync("sup-h1", h => h.Accept("alex", "Alex", Ago(540)), "agent");
        var ended = await seed.MoveAsync("sup-h1", h => h.End(Ago(300), "done"), "agent");
        await seed.RateAsync(ended, 5, Ago(290));
        await seed.MessageAsync("sup-b", Ago(480));
        await seed.OpenAsync("sup-h2", "sup-b", "ub", Ago(470), "general", "Sentiment", "complaint");
        await seed.MoveAsync("sup-h2", h => h.Cancel(Ago(360), "left"), "customer");
        await seed.MessageAsync("sup-c", Ago(240));
    }

    /// <summary>The supervisor's page, signed in through the printed link (the console first, then the supervisor view once it is live).</summary>
    private static async Task<IPage> SupervisorAsync(ConsoleBrowser browser)
    {
        var link = browser.Bot.Services.GetRequiredService<ConsoleAccess>().SignInLinks.Single(l => l.Agent == "Supervisor").Link;
        var page = await browser.OpenAsync("supervisor", link.PathAndQuery + link.Fragment);
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live"); // signed in: the console is connected (no wait for a load event while its stream is open)
        // The console page keeps its event stream open; wait for the supervisor page's DOM, the assertions wait for its data.
        await page.GotoAsync(new Uri(browser.Bot.BaseAddress, "/agent/supervisor").ToString(), new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live");
        return page;
    }

    [Fact]
    public async Task ASupervisorReassignsAConversationInProgressToAnAgentWhoTakesItOverThenChangesTheirCapacity()
    {
        await using var browser = await ConsoleBrowser.StartAsync();
        await browser.RunAsync(async () =>
        {
            var (alex, customer) = await AgentConsoleEdgeBrowserTests.ConnectedAsync(browser);
            await browser.SetPresenceAsync("sam", AgentPresence.Available);
            var sam = await browser.AgentAsync("Sam");
            await Expect(sam.Locator("#offers li.item")).ToHaveCountAsync(0);
            var supervisor = await SupervisorAsync(browser);

            // The conversation in progress is listed with Alex; the supervisor picks Sam and reassigns.
            var row = supervisor.Locator("#live tbody tr");
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("WithAgent");
            await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("Alex");
            await row.GetByRole(AriaRole.Combobox, new() { Name = "Reassign to" }).SelectOptionAsync("sam");
            await row.GetByRole(AriaRole.Button, new() { Name = "Reassign" }).ClickAsync();

            // Sam is offered the conversation at once, with what was said so far, and takes it; the customer is told.
            await Expect(sam.Locator("#offers li.item")).ToHaveCountAsync(1);
            await sam.GetByRole(AriaRole.Button, new() { NameRegex = new("^Accept ") }).First.ClickAsync();
            await Expect(sam.Locator("#conversations li.item")).ToHaveCountAsync(1);
            await Expect(sam.Locator("#timeline")).ToContainTextAsync("I want to talk to a human");
            await Expect(WebChatBubble(customer, browser.Copy.Get("en", "handoff.agentJoined", ("agent", "Sam")))).ToBeVisibleAsync();
            await Expect(alex.Locator("#conversations li.item")).ToHaveCountAsync(0);

            // The supervisor's live list follows: the conversation is now Sam's, and the reassign is in the audit log.
            await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("Sam");
            await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("WithAgent");
            await Expect(row).ToHaveCountAsync(1);
            await supervisor.Locator("#audit-kind").SelectOptionAsync("routing");
            await Expect(supervisor.Locator("#audit tbody td:nth-child(4)").GetByText("transfer", new() { Exact = true })).ToHaveCountAsync(1);
            await supervisor.Locator("#audit-kind").SelectOptionAsync("access");
            await Expect(supervisor.Locator("#audit tbody tr").Filter(new() { HasText = "handoff.reassign" })).ToHaveCountAsync(1);

            // A run-time configuration change from the same page: Sam's capacity, shown at once and under "configuration changes".
            await supervisor.GetByRole(AriaRole.Spinbutton, new() { Name = "Capacity of Sam" }).FillAsync("4");
            await supervisor.GetByRole(AriaRole.Button, new() { Name = "Set capacity of Sam" }).ClickAsync();
            await supervisor.Locator("#audit-kind").SelectOptionAsync("configuration");
            var change = supervisor.Locator("#audit tbody tr").Filter(new() { HasText = "config.agent.capacity" });
            await Expect(change).ToHaveCountAsync(1);
            await Expect(change).ToContainTextAsync("agent:sam capacity 2 → 4");
            await Expect(supervisor.GetByRole(AriaRole.Spinbutton, new() { Name = "Capacity of Sam" })).ToHaveValueAsync("4");
        });
    }

    [Fact]
    public async Task ASupervisorSeesTheAnalyticsAsChartsThatMatchTheJson()
    {
        await using var browser = await ConsoleBrowser.StartAsync();
        await browser.RunAsync(async () =>
        {
            await SeedAsync(browser.Bot.Services);
            var page = await SupervisorAsync(browser);
            await Expect(page.Locator("#agents tbody tr")).ToHaveCountAsync(3);

            await page.GetByRole(AriaRole.Button, new() { Name = "7 days" }).ClickAsync();
            await Expect(page.Locator("[data-metric='conversations'] dd")).ToHaveTextAsync("3");
            var source = await page.Locator("#figures").GetAttributeAsync("data-source");
            var text = await page.EvaluateAsync<string>("src => fetch(src, { credentials: 'same-origin' }).then(r => r.text())", source);
            using var json = JsonDocument.Parse(text);
            var summary = json.RootElement;
            Assert.Equal(2, summary.GetProperty("handoffs").GetInt32());
            Assert.Equal(1, summary.GetProperty("abandoned").GetInt32());
            Assert.Equal(40, summary.GetProperty("waitSeconds").GetProperty("p50").GetDouble());

            // The figures on the page are the JSON's.
            await Expect(page.Locator("[data-metric='handoffs'] dd")).ToHaveTextAsync(summary.GetProperty("handoffs").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(page.Locator("[data-metric='abandoned'] dd")).ToHaveTextAsync("1");
            await Expect(page.Locator("[data-metric='waitSeconds.p50'] dd")).ToHaveTextAsync("40 s");
            await Expect(page.Locator("[data-metric='handoffRate'] dd")).ToHaveTextAsync("66.7 %");
            await Expect(page.Locator("[data-metric='csat.withHuman'] dd")).ToHaveTextAsync("5");

            // A canvas per chart, each drawn by Chart.js with the JSON's data.
            Assert.Equal(4, await page.Locator(".charts canvas").CountAsync());
            foreach (var (canvas, field) in new[] { ("chart-trigger", "byTrigger"), ("chart-category", "byCategory"), ("chart-queue", "byQueue") })
            {
                var drawn = await page.EvaluateAsync<JsonElement>("id => { const c = Chart.getChart(id); return { labels: c.data.labels, data: c.data.datasets[0].data, width: c.width }; }", canvas);
                var rows = summary.GetProperty(field).EnumerateArray().ToList();
                Assert.Equal(rows.Select(r => r.GetProperty("key").GetString()), drawn.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
                Assert.Equal(rows.Select(r => r.GetProperty("handoffs").GetInt32()), drawn.GetProperty("data").EnumerateArray().Select(d => d.GetInt32()));
                Assert.True(drawn.GetProperty("width").GetInt32() > 0, canvas + " has no size");
            }
            var times = await page.EvaluateAsync<JsonElement>("() => Chart.getChart('chart-times').data.datasets.map(d => d.data)");
            Assert.Equal(summary.GetProperty("waitSeconds").GetProperty("p50").GetDouble(), times[0][0].GetDouble());
            Assert.Equal(summary.GetProperty("handleSeconds").GetProperty("p90").GetDouble(), times[1][2].GetDouble());
            // Something was painted: the trigger chart's pixels are not all blank.
            var painted = await page.EvaluateAsync<bool>("() => { const c = document.getElementById('chart-trigger'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; } return false; }");
            Assert.True(painted);

            // The audit log by kind: both escalation decisions, the one accept.
            await page.Locator("#audit-kind").SelectOptionAsync("escalation");
            await Expect(page.Locator("#audit tbody tr")).ToHaveCountAsync(2);
            await page.Locator("#audit-kind").SelectOptionAsync("accept");
            await Expect(page.Locator("#audit tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("#audit tbody tr")).ToContainTextAsync("Alex");
        });
    }
}
