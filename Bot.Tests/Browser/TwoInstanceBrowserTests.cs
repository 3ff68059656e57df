using HandoffBot.Routing;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static HandoffBot.Tests.Browser.ConsoleBrowser;
using static HandoffBot.Tests.Browser.HandoffSteps;
using static Microsoft.Playwright.Assertions;

namespace HandoffBot.Tests.Browser;

/// <summary>
/// Issue 13's "done when": two instances of the bot on one PostgreSQL schema, each on its own loopback port with its
/// own <c>Storage:Postgres:InstanceName</c> and the same Direct Line secret, with nothing shared in memory. The customer
/// is in Web Chat opened from instance A (its Direct Line WebSocket is on A), the agent in the console opened from
/// instance B (signed in there, its push connection on B). A starts first and owns routing. Typing crosses both ways.
/// </summary>
public sealed class TwoInstanceBrowserTests
{
    [Fact]
    public async Task ACustomerOnOneInstanceAndAnAgentOnTheOtherCompleteAWholeHandoffWithARating()
    {
        var (schema, connectionString) = PostgresTestDatabase.CreateSchema();
        var run = Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var browser = await StartAsync(
            [
                f => f.OnSharedPostgres(connectionString, $"bot-a-{run}"),
                f => f.OnSharedPostgres(connectionString, $"bot-b-{run}"),
            ]);
            var (a, b) = (browser.Bots[0], browser.Bots[1]);
            Assert.NotEqual(a.BaseAddress.Port, b.BaseAddress.Port);
            Assert.True(a.Services.GetRequiredService<IRoutingOwnership>().IsOwner);
            Assert.False(b.Services.GetRequiredService<IRoutingOwnership>().IsOwner);

            await browser.RunAsync(async () =>
            {
                var (alex, customer) = await AgentConsoleEdgeBrowserTests.AlexAndACustomerAsync(browser, alexOn: b, customerOn: a);

                // The assistant answers on A; the handoff queued there is offered by A (the owner) and shown by B's console.
                await AskTheAssistantThenForAPersonAsync(customer);
                await AcceptTheOfferAsync(alex);

                // Accepted on B: the customer on A is told who joined and gets Alex's messages.
                var message = await AgentJoinsAndWritesAsync(browser, alex, "Alex", customer, "Hi, I'm Alex. Let me look at your order.");

                // Typing both ways across the instances (NOTIFY): the customer's, taken by A, shows in Alex's console on
                // B; Alex's, posted to B, shows in the customer's Web Chat, whose WebSocket is on A.
                await TypingBothWaysAsync(alex, message, customer);
                await message.FillAsync("I can see it left the warehouse on Monday.");
                await message.PressAsync("Enter");
                await Expect(WebChatBubble(customer, "I can see it left the warehouse on Monday.")).ToBeVisibleAsync();

                // The customer's messages, taken by A, reach Alex on B, each once.
                await SendToWebChatAsync(customer, "the tracking number is 4471");
                await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = "the tracking number is 4471" })).ToHaveCountAsync(1);
                await SendToWebChatAsync(customer, "and it still says in transit");
                await Expect(alex.Locator("#timeline .line-customer").Filter(new() { HasText = "and it still says in transit" })).ToHaveCountAsync(1);

                // Alex ends on B; the customer rates on A; either instance reads the rating from the shared store.
                await EndAndRateAsync(browser, alex, "Alex", customer, 4);
                await AsksTheAssistantAgainAsync(customer);
                await AssertBackWithTheBotAndRatedAsync(a, customer, 4);
                await AssertBackWithTheBotAndRatedAsync(b, customer, 4);
                await Expect(alex.Locator("#conversations li.item")).ToHaveCountAsync(0);

                // Nothing the customer saw twice: each of Alex's messages is one bubble.
                Assert.Equal(1, await WebChatBubble(customer, "Hi, I'm Alex.").CountAsync());
                Assert.Equal(1, await WebChatBubble(customer, "left the warehouse on Monday").CountAsync());
            });
        }
        finally
        {
            PostgresTestDatabase.DropSchema(schema);
        }
    }
}
