using System.Text.Json;
using System.Text.Json.Nodes;
using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Resources;
using HandoffBot.Routing;
using HandoffBot.Storage;
using Microsoft.Extensions.Options;

namespace HandoffBot.AgentHub;

/// <summary>
/// Talks to the agent hub configured under <c>Handoff:Hub</c>: a card (Teams, message-only channels; a new thread per
/// handoff in a Teams channel) or the standard <c>handoff.initiate</c> / <c>handoff.status</c> events (Emulator,
/// Direct Line, Web Chat, the console). Everything goes through the outbox so nothing is lost.
/// </summary>
public sealed partial class HubNotifier(
    IOptions<HandoffOptions> options,
    IConnectorClient connector,
    IHandoffOutbox outbox,
    OutboxSignal outboxSignal,
    IHandoffStore store,
    ITranscriptStore transcripts,
    ICopy copy,
    TimeProvider time,
    ILogger<HubNotifier> logger) : IAgentChannel
{
    public const string InitiateEvent = "handoff.initiate";
    public const string StatusEvent = "handoff.status";

    private HubOptions Hub => options.Value.Hub;

    /// <summary>The cards' copy, in the hub's language.</summary>
    public CardCopy Cards => new(copy, Hub.Locale);

    public bool IsConfigured => Hub.IsConfigured;

    public string Name => "hub";

    public bool IsReachable => Hub.IsConfigured;

    /// <summary>True when each handoff has its own thread (a Teams channel hub).</summary>
    public bool UsesThreads => Hub.UsesTeamsThreads;

    /// <summary>True when the hub understands handoff events (else it gets cards and messages).</summary>
    public bool AcceptsEvents => Hub.IsConfigured && !Hub.IsTeams
        && options.Value.EventChannels.Contains(Hub.ChannelId!, StringComparer.OrdinalIgnoreCase);

    /// <summary>Is this inbound activity hub traffic (the hub conversation, or a thread of the hub's Teams channel)?</summary>
    public bool IsHubActivity(Activity activity)
    {
        if (!Hub.IsConfigured || !string.Equals(activity.ChannelId, Hub.ChannelId, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var conversationId = activity.Conversation?.Id ?? string.Empty;
        if (!string.IsNullOrEmpty(Hub.ConversationId) && string.Equals(conversationId, Hub.ConversationId, StringComparison.Ordinal))
        {
            return true;
        }
        if (!Hub.UsesTeamsThreads)
        {
            return false;
        }
        return string.Equals(TeamsChannelId(activity), Hub.TeamsChannelId, StringComparison.Ordinal)
            || conversationId.StartsWith(Hub.TeamsChannelId + ";", StringComparison.Ordinal)
            || string.Equals(conversationId, Hub.TeamsChannelId, StringComparison.Ordinal);
    }

    /// <summary>The hub conversation itself (the Teams channel when threads are used).</summary>
    public ConversationReference HubReference => new()
    {
        ChannelId = Hub.ChannelId,
        ServiceUrl = Hub.ServiceUrl,
        Bot = new ChannelAccount { Id = Hub.BotId ?? "handoffbot", Name = Hub.BotName, Role = RoleTypes.Bot },
        Conversation = new ConversationAccount
        {
            Id = Hub.ConversationId ?? Hub.TeamsChannelId,
            IsGroup = true,
            TenantId = Hub.TenantId,
            ConversationType = Hub.UsesTeamsThreads ? "channel" : null,
        },
    };

    /// <summary>
    /// Posts the handoff to the hub (card, new Teams thread, or handoff.initiate event); returns it with its hub thread.
    /// <paramref name="transcript"/>: the customer's conversation so far when the caller has it (inside the customer's
    /// turn, whose own activities are not stored yet); otherwise it is read from the transcript store.
    /// </summary>
    public async Task<HandoffRecord> AnnounceAsync(HandoffRecord handoff, CancellationToken cancellationToken, IReadOnlyList<Activity>? transcript = null)
    {
        if (!Hub.IsConfigured || handoff.HubThread is not null)
        {
            return handoff;
        }
        var now = time.GetUtcNow();
        if (Hub.UsesTeamsThreads)
        {
            return await OpenTeamsThreadAsync(handoff, now, cancellationToken);
        }
        var transcriptSoFar = transcript ?? (AcceptsEvents ? await transcripts.ReadAsync(handoff.Customer.ChannelId!, handoff.Customer.Conversation!.Id!, cancellationToken) : []);
        var (withThread, message) = Announcement(handoff, transcriptSoFar, now);
        // The announcement and the hub thread in one commit: announced means told (a crash between them cannot leave a
        // handoff marked announced that the hub never heard of). The card's activity id is known once the dispatcher
        // delivered it (ReplaceCardAsync looks it up).
        var announced = await store.UpdateAsync(handoff.Id, h => h with { HubThread = withThread.HubThread }, _ => [message], cancellationToken);
        outboxSignal.Notify();
        return announced ?? handoff;
    }

    /// <summary>
    /// True when a handoff can be announced in the commit that opens it (the customer's turn): the hub is one
    /// conversation (not a Teams channel, where each handoff's thread is created by a Connector call first).
    /// </summary>
    public bool AnnouncesInCommit => Hub.IsConfigured && !Hub.UsesTeamsThreads;

    /// <summary>
    /// The announcement of <paramref name="handoff"/> (a handoff.initiate event, or a card), as an outbox row, and the
    /// handoff with its hub thread set: both go into one commit, so the handoff is marked announced exactly when the
    /// message that tells the hub is stored. <paramref name="transcript"/> is the customer's conversation so far.
    /// Only for a hub that <see cref="AnnouncesInCommit"/>.
    /// </summary>
    public (HandoffRecord Announced, OutboxMessage Message) Announcement(HandoffRecord handoff, IReadOnlyList<Activity> transcript, DateTimeOffset now)
    {
        if (!AnnouncesInCommit)
        {
            throw new InvalidOperationException("A Teams channel hub opens a thread per handoff before announcing it.");
        }
        var hub = HubReference;
        var announcement = AcceptsEvents
            ? InitiateEventActivity(handoff, hub, transcript)
            : Message(hub, copy.Get(Hub.Locale, "hub.announce.waiting", ("customer", HandoffCard.CustomerName(handoff)), ("queue", handoff.Queue), ("id", HandoffCard.ShortId(handoff.Id))))
                with { Attachments = [HandoffCard.ToAttachment(HandoffCard.Waiting(handoff, now, Cards))] };
        return (handoff with { HubThread = hub }, new OutboxMessage(AnnounceKey(handoff), handoff.Id, announcement, ToCustomer: false));
    }

    /// <summary>
    /// The message that tells the chosen agent (by @mention) that <paramref name="handoff"/> (as offered) is theirs to
    /// take: stored in the offer's own commit. Null when the handoff has no hub thread yet.
    /// </summary>
    public OutboxMessage? OfferMessage(HandoffRecord handoff, AgentId agent, string agentName, string? hubUserId, TimeSpan timeout)
    {
        if (handoff.HubThread is not { } thread)
        {
            return null;
        }
        var (mention, mentionText) = MentionText.Mention(hubUserId ?? agent.Value, agentName);
        var text = copy.Get(Hub.Locale, "hub.offer", ("mention", mentionText), ("customer", HandoffCard.CustomerName(handoff)), ("queue", handoff.Queue),
            ("reason", handoff.Reason), ("id", HandoffCard.ShortId(handoff.Id)), ("duration", copy.Duration(Hub.Locale, timeout, seconds: true)));
        var offer = Message(thread, text) with { Entities = [mention] };
        return new OutboxMessage($"hub:{handoff.Id}:offer:{agent.Value}:{handoff.Declined.Count}", handoff.Id, offer, ToCustomer: false);
    }

    /// <summary><c>handoff.status</c> to event hubs; a plain message in the thread elsewhere.</summary>
    public Task StatusAsync(HandoffRecord handoff, HubState status, string message, CancellationToken cancellationToken)
    {
        var state = status.WireName();
        if (handoff.HubThread is not { } thread)
        {
            return Task.CompletedTask;
        }
        Activity activity;
        if (AcceptsEvents)
        {
            var value = new JsonObject { ["state"] = state, ["message"] = message, ["handoffId"] = handoff.Id };
            activity = Message(thread, null) with
            {
                Type = ActivityTypes.Event,
                Name = StatusEvent,
                Value = ToElement(value),
                RelatesTo = handoff.Customer,
                TextFormat = null,
            };
        }
        else
        {
            activity = Message(thread, message);
        }
        return outbox.EnqueueAsync(new OutboxMessage($"hub:{handoff.Id}:status:{state}:{handoff.Version}", handoff.Id, activity, ToCustomer: false), cancellationToken);
    }

    /// <summary>Replaces the handoff's card in message hubs (the invoke path replaces it through the invoke response instead).</summary>
    public async Task ReplaceCardAsync(HandoffRecord handoff, JsonElement card, CancellationToken cancellationToken)
    {
        if (AcceptsEvents || handoff.HubThread is not { } thread
            || (handoff.HubActivityId ?? await outbox.DeliveredIdAsync(AnnounceKey(handoff), cancellationToken)) is not { } cardId)
        {
            return;
        }
        try
        {
            await connector.UpdateActivityAsync(Message(thread, null) with { Id = cardId, Attachments = [HandoffCard.ToAttachment(card)] }, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogCardUpdateFailed(logger, exception, handoff.Id);
        }
    }

    /// <summary>
    /// A customer's message (text and attachments) to the agent's thread, idempotent by the customer's activity id:
    /// an outbox record for the customer's turn, delivered after its commit.
    /// </summary>
    public OutboxMessage RelayToAgent(HandoffRecord handoff, Activity customerMessage, string text)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        ArgumentNullException.ThrowIfNull(customerMessage);
        var thread = handoff.HubThread ?? HubReference;
        var who = HandoffCard.CustomerName(handoff);
        var relayed = Message(thread, string.IsNullOrEmpty(text) ? $"{who} sent:" : $"{who}: {text}") with { Attachments = customerMessage.Attachments };
        var key = $"to-agent:{handoff.Id}:{customerMessage.Id ?? Guid.NewGuid().ToString("N")}";
        return new OutboxMessage(key, handoff.Id, relayed, ToCustomer: false);
    }

    /// <summary>Passes the customer's typing indicator on (best effort: typing is never queued for retry).</summary>
    public async Task TypingAsync(HandoffRecord handoff, CancellationToken cancellationToken)
    {
        if (handoff.HubThread is not { } thread)
        {
            return;
        }
        try
        {
            await connector.SendToConversationAsync(Message(thread, null) with { Type = ActivityTypes.Typing, TextFormat = null }, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogTypingFailed(logger, exception, handoff.Id);
        }
    }

    /// <summary>A plain message into a hub conversation (command answers that must go out of a turn).</summary>
    public Task SayAsync(HandoffRecord handoff, string key, string text, CancellationToken cancellationToken) =>
        outbox.EnqueueAsync(new OutboxMessage(key, handoff.Id, Message(handoff.HubThread ?? HubReference, text), ToCustomer: false), cancellationToken);

    private static string AnnounceKey(HandoffRecord handoff) => $"hub:{handoff.Id}:announce";

    private async Task<HandoffRecord> OpenTeamsThreadAsync(HandoffRecord handoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hub = HubReference;
        var card = Message(hub, null) with { Attachments = [HandoffCard.ToAttachment(HandoffCard.Waiting(handoff, now, Cards))] };
        var channelData = new JsonObject
        {
            ["channel"] = new JsonObject { ["id"] = Hub.TeamsChannelId },
            ["tenant"] = Hub.TenantId is null ? null : new JsonObject { ["id"] = Hub.TenantId },
        };
        try
        {
            var created = await connector.CreateConversationAsync(Hub.ServiceUrl!, new ConversationParameters
            {
                IsGroup = true,
                Bot = hub.Bot,
                TenantId = Hub.TenantId,
                Activity = card with { Conversation = null, ReplyToId = null },
                ChannelData = ToElement(channelData),
            }, cancellationToken);
            var thread = hub with
            {
                ServiceUrl = created.ServiceUrl ?? Hub.ServiceUrl,
                Conversation = hub.Conversation! with { Id = created.Id ?? $"{Hub.TeamsChannelId};messageid={created.ActivityId}" },
            };
            return await store.UpdateAsync(handoff.Id, h => h with { HubThread = thread, HubActivityId = created.ActivityId }, cancellationToken) ?? handoff;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogThreadFailed(logger, exception, handoff.Id);
            return handoff; // not announced yet: the coordinator's sweep tries again
        }
    }

    private static Activity InitiateEventActivity(HandoffRecord handoff, ConversationReference hub, IReadOnlyList<Activity> history)
    {
        var packet = handoff.Packet;
        var value = packet is null ? new JsonObject() : JsonSerializer.SerializeToNode(packet, HandoffJsonContext.Default.HandoffPacket)!.AsObject();
        var customerLines = packet?.LastCustomerMessages.Select(l => l.Text).ToList() ?? [];
        value["va_LastTopic"] = packet?.Category;
        value["va_Topics"] = new JsonArray(packet is null ? [] : [JsonValue.Create(packet.Category)]);
        value["va_LastPhrases"] = customerLines.LastOrDefault();
        value["va_Phrases"] = string.Join("\n", customerLines);
        value["va_ConversationId"] = handoff.Customer.Conversation?.Id;
        value["va_AgentMessage"] = packet?.Summary;
        value["va_Language"] = packet?.Language;

        var masked = history.Where(a => !a.IsType(ActivityTypes.Trace))
            .Select(a => a with { Text = a.Text is null ? null : SensitiveDataMasker.Mask(a.Text), Value = null, ChannelData = null })
            .ToList();
        var transcript = TranscriptElement(masked);

        // Delivered into the hub conversation; from, relatesTo and the value identify the customer's conversation.
        return Message(hub, null) with
        {
            Type = ActivityTypes.Event,
            Name = InitiateEvent,
            TextFormat = null,
            From = handoff.Customer.User,
            RelatesTo = handoff.Customer,
            Value = ToElement(value),
            Attachments = [new Attachment { ContentType = ContentTypes.Json, Name = "Transcript", Content = transcript }],
        };
    }

    private static Activity Message(ConversationReference thread, string? text) =>
        new Activity { Type = ActivityTypes.Message, Text = text, TextFormat = text is null ? null : "markdown" }
            .ApplyConversationReference(thread) with { ReplyToId = null };

    private static string? TeamsChannelId(Activity activity) =>
        activity.ChannelData is { ValueKind: JsonValueKind.Object } data
        && data.TryGetProperty("channel", out var channel) && channel.ValueKind == JsonValueKind.Object
        && channel.TryGetProperty("id", out var id) ? id.GetString() : null;

    /// <summary>The node as an element: written once as UTF-8 and parsed (no intermediate string).</summary>
    internal static JsonElement ToElement(JsonNode node) => Written(writer => node.WriteTo(writer));

    /// <summary><c>{"activities": [...]}</c> serialised straight from the activities (the transcript is most of the announcement; no node tree).</summary>
    private static JsonElement TranscriptElement(List<Activity> activities) => Written(writer =>
    {
        writer.WriteStartObject();
        writer.WritePropertyName("activities");
        JsonSerializer.Serialize(writer, activities, ProtocolJsonContext.Default.ListActivity);
        writer.WriteEndObject();
    });

    private static JsonElement Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    [LoggerMessage(EventId = 4300, Level = LogLevel.Warning, Message = "Could not open a Teams thread for handoff {HandoffId}; will retry")]
    private static partial void LogThreadFailed(ILogger logger, Exception exception, string handoffId);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Could not replace the hub card of handoff {HandoffId}")]
    private static partial void LogCardUpdateFailed(ILogger logger, Exception exception, string handoffId);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Debug, Message = "Could not pass typing on for handoff {HandoffId}")]
    private static partial void LogTypingFailed(ILogger logger, Exception exception, string handoffId);
}

/// <summary>The <c>state</c> of a <c>handoff.status</c> event, as the Bot Framework handoff protocol names them.</summary>
public enum HubState
{
    Accepted,
    Completed,
    Failed,
}

public static class HubStates
{
    public static string WireName(this HubState state) =>
        Enum.IsDefined(state) ? state.ToString().ToLowerInvariant() : throw new ArgumentOutOfRangeException(nameof(state), state, "unknown handoff state");
}
