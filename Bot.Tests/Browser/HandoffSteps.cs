using HandoffBot.Handoff;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static HandoffBot.Tests.Browser.ConsoleBrowser;
using static Microsoft.Playwright.Assertions;

namespace HandoffBot.Tests.Browser;

/// <summary>The steps of a whole handoff as the customer (Web Chat) and the agent (console) see them, shared by the browser tests.</summary>
internal static class HandoffSteps
{
    public const string AskForPerson = "this is useless, let me speak to a person";

    /// <summary>The customer gets the assistant's answer to a routine question, then asks for a person.</summary>
    public static async Task AskTheAssistantThenForAPersonAsync(IPage customer)
    {
        await SendToWebChatAsync(customer, "how long does delivery take");
        await Expect(WebChatBubble(customer, "Standard delivery takes 3-5 working days")).ToBeVisibleAsync();
        await SendToWebChatAsync(customer, AskForPerson);
    }

    /// <summary>The offer appears on the agent's screen and rings; Accept opens the conversation with what the customer said and the packet.</summary>
    public static async Task AcceptTheOfferAsync(IPage agent)
    {
        await Expect(agent.Locator("#offers li.item")).ToHaveCountAsync(1);
        await Expect(agent.Locator("body")).ToHaveAttributeAsync("data-rang", "1");
        await agent.GetByRole(AriaRole.Button, new() { NameRegex = new("^Accept ") }).First.ClickAsync();
        await Expect(agent.Locator("#conversations li.item")).ToHaveCountAsync(1);
        await Expect(agent.Locator("#timeline")).ToContainTextAsync(AskForPerson);
        await Expect(agent.Locator(".packet")).ToContainTextAsync("HumanRequest");
    }

    /// <summary>The customer is told who joined and sees the agent's first message as from that agent. Returns the agent's message box.</summary>
    public static async Task<ILocator> AgentJoinsAndWritesAsync(ConsoleBrowser browser, IPage agent, string agentName, IPage customer, string text)
    {
        await Expect(WebChatBubble(customer, browser.Copy.Get("en", "handoff.agentJoined", ("agent", agentName)))).ToBeVisibleAsync();
        var message = agent.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await message.FillAsync(text);
        await message.PressAsync("Enter");
        await Expect(WebChatBubble(customer, text)).ToBeVisibleAsync();
        await Expect(customer.Locator($"text={agentName} · customer service")).ToBeVisibleAsync();
        return message;
    }

    /// <summary>The agent ends the conversation; the customer is told and answers the satisfaction question with <paramref name="rating"/>.</summary>
    /// <summary>
    /// The customer types (the agent's console shows it) and sends "my parcel" (one line in the timeline); the agent
    /// types in <paramref name="message"/> (Web Chat shows the indicator) and clears the box.
    /// </summary>
    public static async Task TypingBothWaysAsync(IPage agent, ILocator message, IPage customer)
    {
        await customer.Locator("[data-id='webchat-sendbox-input']").PressSequentiallyAsync("my parcel");
        await Expect(agent.Locator("#typing")).ToHaveTextAsync("The customer is typing…");
        await customer.Locator("[data-id='webchat-sendbox-input']").PressAsync("Enter");
        await Expect(agent.Locator("#timeline .line-customer").Filter(new() { HasText = "my parcel" })).ToHaveCountAsync(1);
        await message.PressSequentiallyAsync("One moment");
        await Expect(customer.Locator(".webchat__typing-indicator")).ToBeVisibleAsync();
        await message.FillAsync("");
    }

    public static async Task EndAndRateAsync(ConsoleBrowser browser, IPage agent, string agentName, IPage customer, int rating)
    {
        await agent.GetByRole(AriaRole.Button, new() { Name = "End conversation" }).ClickAsync();
        // Web Chat renders the notice as Markdown, which turns ' into a typographic apostrophe: the text up to the first one.
        var ended = browser.Copy.Get("en", "handoff.endedByAgent", ("agent", agentName)).Split('\'')[0];
        await Expect(WebChatBubble(customer, ended)).ToBeVisibleAsync();
        await SendToWebChatAsync(customer, rating.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(WebChatBubble(customer, browser.Copy.Get("en", "handoff.thanksForFeedback"))).ToBeVisibleAsync();
    }

    /// <summary>
    /// The customer, back with the assistant, asks it something and gets the answer. The answer's turn runs after the
    /// rating's turn has committed (one conversation's turns run one after the other), so the store holds the rating
    /// then; the thanks for the rating leaves during its turn, before that commit.
    /// </summary>
    public static async Task AsksTheAssistantAgainAsync(IPage customer)
    {
        await SendToWebChatAsync(customer, "what is your return policy");
        await Expect(WebChatBubble(customer, "You can return most items within 30 days of delivery")).ToBeVisibleAsync();
    }

    /// <summary>The customer's handoff, read from <paramref name="bot"/>'s store, is back with the bot and rated <paramref name="rating"/>.</summary>
    public static async Task AssertBackWithTheBotAndRatedAsync(LiveBot bot, IPage customer, int rating)
    {
        var conversation = await customer.GetAttributeAsync("body", "data-conversation-id");
        var handoff = await bot.Services.GetRequiredService<IHandoffStore>().GetLatestForCustomerAsync($"directline/conversations/{conversation}", CancellationToken.None);
        Assert.NotNull(handoff);
        Assert.Equal(HandoffStatus.Bot, handoff.Status);
        Assert.Equal(rating, await bot.Services.GetRequiredService<IHandoffFeedbackStore>().GetSatisfactionAsync(handoff.Id, CancellationToken.None));
    }
}
