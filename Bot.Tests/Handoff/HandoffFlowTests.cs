using System.Net.Http.Json;
using System.Text.Json;
using HandoffBot.Escalation;
using HandoffBot.Handoff;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Handoff;

/// <summary>The whole handoff over HTTP, on each storage provider (the bot as Program.cs composes it).</summary>
public abstract class HandoffFlowContract
{
    /// <summary>Puts the bot on the provider under test (nothing: the default SQLite).</summary>
    protected abstract void OnProvider(BotFactory factory);

    private Task<HandoffHarness> StartAsync(Action<BotFactory>? configure = null) => HandoffHarness.StartAsync(configure: factory =>
    {
        OnProvider(factory);
        configure?.Invoke(factory);
    });

    /// <summary>The customer's latest handoff once every queued turn so far committed (a turn's replies leave before its commit).</summary>
    private static async Task<HandoffRecord> ActiveHandoffAsync(HandoffHarness bot, string conversation = "customer-conversation", string channel = "emulator")
    {
        await bot.TurnsCommittedAsync();
        return (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(StateKeys.Conversation(channel, conversation), CancellationToken.None))!;
    }

    [Fact]
    public async Task TheWholeStoryFromTriggerToHubToAgentAndBackEndsWithAStoredSatisfactionScore()
    {
        await using var bot = await StartAsync();

        // The assistant answers a routine question; then a billing dispute goes straight to the billing queue.
        await bot.PostAsync(bot.CustomerMessage("how long does delivery take"));
        await bot.CustomerReceivedAsync("working days");
        await bot.PostAsync(bot.CustomerMessage("I was charged twice for order 5512 with card 4111 1111 1111 1111"));

        // The hub gets the standard handoff.initiate event: packet, va_* aliases, masked transcript.
        var initiate = await bot.HubEventAsync("handoff.initiate");
        Assert.Equal(HandoffHarness.HubConversation, initiate.Conversation!.Id);
        Assert.Equal("customer-1", initiate.From!.Id);
        Assert.Equal("customer-conversation", initiate.RelatesTo!.Conversation!.Id);
        var packet = initiate.Value!.Value;
        Assert.Contains("charged twice for order 5512", packet.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal("I was charged twice for order 5512 with card [card ****1111]", packet.GetProperty("openQuestion").GetString());
        Assert.Equal("billing_dispute", packet.GetProperty("category").GetString());
        Assert.Equal("billing", packet.GetProperty("requiredSkill").GetString());
        Assert.Equal("Sam Okafor", packet.GetProperty("profile").GetProperty("name").GetString());
        Assert.Contains(packet.GetProperty("triggers").EnumerateArray(), t => t.GetProperty("name").GetString() == "Category" && t.GetProperty("fired").GetBoolean());
        Assert.Contains(packet.GetProperty("assistantTried").EnumerateArray(), t => t.ToString().Contains("delivery", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("customer-conversation", packet.GetProperty("va_ConversationId").GetString());
        Assert.Equal("I was charged twice for order 5512 with card [card ****1111]", packet.GetProperty("va_LastPhrases").GetString());
        Assert.NotEmpty(packet.GetProperty("suggestedNextSteps").EnumerateArray());
        var transcript = Assert.Single(initiate.Attachments!, a => string.Equals(a.Name, "Transcript", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("application/json", transcript.ContentType);
        var lines = transcript.Content!.Value.GetProperty("activities").EnumerateArray().Select(a => a.TryGetProperty("text", out var t) ? t.GetString() : null).ToList();
        Assert.Contains("how long does delivery take", lines);
        Assert.Contains("I was charged twice for order 5512 with card [card ****1111]", lines);
        Assert.DoesNotContain(lines, l => l?.Contains("4111 1111", StringComparison.Ordinal) == true);

        // The customer hears the truth about the wait; the chosen agent is @mentioned.
        await bot.CustomerReceivedAsync("connecting you with a person");
        var offeredTo = await bot.OfferedToAsync();
        var (agentId, agentName) = offeredTo switch { "agent-alex" => ("agent-alex", "Alex"), "agent-sam" => ("agent-sam", "Sam"), _ => ("agent-priya", "Priya") };

        await bot.PostAsync(bot.AgentMessage("accept", agentId, agentName));
        await bot.CustomerReceivedAsync($"You're now chatting with {agentName}.");
        await bot.HubEventAsync("handoff.status", "accepted");

        // Relay both ways; the assistant stays silent.
        var assistantRepliesBefore = bot.Customer.Requests.Count;
        await bot.PostAsync(bot.CustomerMessage("hello? are you there"));
        await bot.HubReceivedAsync("Sam Okafor: hello? are you there");
        await bot.PostAsync(bot.AgentMessage("Hi Sam, I can see the double charge and I'm refunding it now.", agentId, agentName));
        var relayed = await bot.CustomerReceivedAsync("refunding it now");
        Assert.Equal("customer-conversation", relayed.Conversation!.Id);
        Assert.Equal(agentName, relayed.From!.Name);
        Assert.Equal(assistantRepliesBefore + 1, bot.Customer.Requests.Count); // the agent's message, nothing from the assistant

        // The agent ends; the customer is back with the assistant and asked for a score.
        await bot.PostAsync(bot.AgentMessage("end", agentId, agentName));
        var csat = await bot.CustomerReceivedAsync("How satisfied were you");
        Assert.Equal(["1", "2", "3", "4", "5"], csat.SuggestedActions!.Actions!.Select(a => a.Title));
        await bot.HubEventAsync("handoff.status", "completed");

        await bot.PostAsync(bot.CustomerMessage("4"));
        await bot.CustomerReceivedAsync("Thank you for your feedback");
        await bot.TurnsCommittedAsync();
        var handoff = await ActiveHandoffAsync(bot);
        Assert.Equal(HandoffStatus.Bot, handoff.Status);
        Assert.Equal(4, await bot.Service<IHandoffFeedbackStore>().GetSatisfactionAsync(handoff.Id, CancellationToken.None));
        var audit = await bot.Service<IHandoffStore>().ReadAuditAsync(handoff.Id, CancellationToken.None);
        Assert.Equal(["open", "offer", "accept", "end"], audit.Select(a => a.Action));
        Assert.Equal(HandoffHarness.AgentIdOf(agentId), audit[2].Actor.Id);

        // State kept, and no handoff loop: the cool-down is set for the reason that fired. A turn with expectReplies
        // waits for the conversation's previous turn to commit (turns of one conversation run one at a time).
        var settled = await bot.PostAsync(bot.CustomerMessage("how long does delivery take") with { DeliveryMode = DeliveryModes.ExpectReplies });
        settled.EnsureSuccessStatusCode();
        var state = await bot.Service<IConversationStateStore>().ReadAsync(StateKeys.Conversation("emulator", "customer-conversation"), CancellationToken.None);
        var history = JsonDocument.Parse(state!.Json).RootElement.GetProperty("escalation").Deserialize(EscalationJsonContext.Default.EscalationHistory)!;
        Assert.Contains("billing_dispute", history.CooldownReasons);
        Assert.True(history.CooldownUntil > bot.Factory.Time.GetUtcNow());
        Assert.Empty(history.ActiveReasons);
        Assert.NotEmpty(JsonDocument.Parse(state.Json).RootElement.GetProperty("assistant").GetProperty("turns").EnumerateArray());
    }

    [Fact]
    public async Task ADeclinedOfferGoesToTheNextAgent()
    {
        await using var bot = await StartAsync();
        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        var first = await bot.OfferedToAsync(1);

        await bot.PostAsync(bot.AgentMessage("decline", first, first));
        var second = await bot.OfferedToAsync(2);
        Assert.NotEqual(first, second);
        await bot.HubReceivedAsync("Declined: it goes to the next agent.");

        var handoff = await ActiveHandoffAsync(bot);
        Assert.Equal(HandoffStatus.Offered, handoff.Status);
        var audit = await bot.Service<IHandoffStore>().ReadAuditAsync(handoff.Id, CancellationToken.None);
        Assert.Equal(["open", "offer", "decline", "offer"], audit.Select(a => a.Action));
    }

    [Fact]
    public async Task AnOfferNobodyAnswersWithinTheOfferTimeoutGoesToTheNextAgent()
    {
        await using var bot = await StartAsync();
        // Time moves only through AdvanceAsync: never while a Connector call (the offer's delivery) is in flight.
        await bot.PostAsync(bot.CustomerMessage("let me talk to a person") with { DeliveryMode = DeliveryModes.ExpectReplies });
        var first = await bot.OfferedToAsync(1);

        await bot.AdvanceAsync(TimeSpan.FromSeconds(46)); // Routing:OfferTimeout is 45 s in the harness
        // The background sweep's timer may not exist yet on a busy machine (then its first tick comes after this
        // advance), so the test runs the sweep itself; if the background one runs too, one of them expires the offer.
        await bot.Service<HandoffSweep>().SweepAsync(CancellationToken.None);
        var second = await bot.OfferedToAsync(2);
        Assert.NotEqual(first, second);

        var handoff = await ActiveHandoffAsync(bot);
        Assert.Equal(HandoffStatus.Offered, handoff.Status);
        var audit = await bot.Service<IHandoffStore>().ReadAuditAsync(handoff.Id, CancellationToken.None);
        Assert.Equal(["open", "offer", "expire", "offer"], audit.Select(a => a.Action));
    }

    [Fact]
    public async Task AnAgentGoingAwayHasTheirOfferRequeuedToSomeoneElse()
    {
        await using var bot = await StartAsync();
        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        var first = await bot.OfferedToAsync(1);

        await bot.PostAsync(bot.AgentMessage("away", first, first));
        await bot.HubReceivedAsync("offer(s) went back to the queue");
        var second = await bot.OfferedToAsync(2);

        Assert.NotEqual(first, second);
        var audit = await bot.Service<IHandoffStore>().ReadAuditAsync((await ActiveHandoffAsync(bot)).Id, CancellationToken.None);
        Assert.Contains(audit, a => a.Action == "withdraw" && a.Actor.Id == HandoffHarness.AgentIdOf(first));
    }

    [Fact]
    public async Task WithNoQualifiedAgentTheCustomerIsOfferedAlternativesAndCanLeaveAMessage()
    {
        await using var bot = await StartAsync();

        await bot.PostAsync(bot.CustomerMessage("I need a quantum expert person"));
        var menu = await bot.CustomerReceivedAsync("nobody who can help with this is available");
        Assert.Equal(["Leave a message", "Keep chatting with the assistant"], menu.SuggestedActions!.Actions!.Select(a => a.Title));
        Assert.Equal(HandoffStatus.Unassigned, (await ActiveHandoffAsync(bot)).Status);
        Assert.Equal(0, bot.CountHub(a => a.Name == "handoff.initiate"));

        await bot.PostAsync(bot.CustomerMessage("Leave a message"));
        await bot.CustomerReceivedAsync("Please type your message");
        await bot.PostAsync(bot.CustomerMessage("Please call me back about the entanglement warranty, card 4111 1111 1111 1111"));
        await bot.CustomerReceivedAsync("passed your message on");
        await bot.TurnsCommittedAsync();

        var left = Assert.Single(await bot.Service<IHandoffFeedbackStore>().ListFollowUpsAsync(CancellationToken.None));
        Assert.Equal("Please call me back about the entanglement warranty, card [card ****1111]", left.Text);
        Assert.Equal("customer-1", left.UserId);
    }

    [Fact]
    public async Task WithNoAgentDeskTheCustomerIsOfferedAlternativesInsteadOfAPromise()
    {
        await using var bot = await StartAsync(f => f.With("Handoff:Hub:ChannelId", "").With("AgentConsole:Enabled", "false"));

        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        var menu = await bot.CustomerReceivedAsync("nobody who can help with this is available");
        Assert.Equal(["Leave a message", "Keep chatting with the assistant"], menu.SuggestedActions!.Actions!.Select(a => a.Title));
        Assert.Equal(0, bot.CountCustomer("connecting you with a person"));
        var handoff = await ActiveHandoffAsync(bot);
        Assert.Equal(HandoffStatus.Unassigned, handoff.Status);
        var audit = await bot.Service<IHandoffStore>().ReadAuditAsync(handoff.Id, CancellationToken.None);
        Assert.Contains("no agent desk is reachable", Assert.Single(audit).Reason, StringComparison.Ordinal);

        // The customer's next message is answered, not relayed to a hub that does not exist.
        await bot.PostAsync(bot.CustomerMessage("Keep chatting with the assistant"));
        await bot.CustomerReceivedAsync("Sure, I'm here");
        Assert.Empty(bot.Hub.Requests);
    }

    [Fact]
    public async Task ACustomerCanCancelWhileWaitingAndIsBackWithTheAssistant()
    {
        await using var bot = await StartAsync();
        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        await bot.OfferedToAsync();

        await bot.PostAsync(bot.CustomerMessage("cancel"));
        await bot.CustomerReceivedAsync("cancelled the request");
        await bot.HubEventAsync("handoff.status", "failed");
        Assert.Equal(HandoffStatus.Cancelled, (await ActiveHandoffAsync(bot)).Status);

        await bot.PostAsync(bot.CustomerMessage("where is my order?"));
        await bot.CustomerReceivedAsync("Account > Orders");
    }

    [Fact]
    public async Task SmsCustomersGetNumberedTextMenusAndLongAgentMessagesAreSplit()
    {
        await using var bot = await StartAsync();

        await bot.PostAsync(bot.CustomerMessage("quantum person please", "sms-conversation", "sms", "+15551230001", "Luis"));
        var menu = await bot.CustomerReceivedAsync("nobody who can help");
        Assert.Null(menu.SuggestedActions);
        Assert.Contains("1. Leave a message\n2. Keep chatting with the assistant\nReply with a number.", menu.Text, StringComparison.Ordinal);
        await bot.PostAsync(bot.CustomerMessage("2", "sms-conversation", "sms", "+15551230001", "Luis"));
        await bot.CustomerReceivedAsync("Sure, I'm here");

        await bot.PostAsync(bot.CustomerMessage("let me talk to a person", "sms-conversation", "sms", "+15551230001", "Luis"));
        var offered = await bot.OfferedToAsync();
        await bot.PostAsync(bot.AgentMessage("accept", offered, offered));
        await bot.CustomerReceivedAsync("You're now chatting with");
        var longText = string.Join(' ', Enumerable.Repeat("refund-details", 200)); // 2,999 characters
        await bot.PostAsync(bot.AgentMessage(longText, offered, offered));

        var parts = new List<Activity>();
        parts.Add(await HandoffHarness.ReceivedAsync(bot.Customer, a => a.Text?.StartsWith("refund-details", StringComparison.Ordinal) == true, "first part"));
        parts.Add(await HandoffHarness.ReceivedAsync(bot.Customer, a => a.Text?.StartsWith("refund-details", StringComparison.Ordinal) == true && a.Text != parts[0].Text, "second part"));
        Assert.All(parts, p => Assert.True(p.Text!.Length <= 1600));
        Assert.Equal(longText, string.Join(' ', parts.Select(p => p.Text)));
    }
}

public sealed class SqliteHandoffFlowTests : HandoffFlowContract
{
    protected override void OnProvider(BotFactory factory)
    {
    }
}

public sealed class PostgresHandoffFlowTests : HandoffFlowContract
{
    protected override void OnProvider(BotFactory factory) => factory.OnPostgres();
}
