using System.Globalization;
using HandoffBot.AgentHub;
using HandoffBot.Escalation;
using HandoffBot.Handoff.Events;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Resources;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>
/// Sits after conversation state and before escalation (hub traffic has its own pipeline). A customer with
/// a handoff under way is taken over (the assistant stays silent): waiting customers can cancel, customers with an
/// agent are relayed. Otherwise the turn runs on, and if escalation decided to escalate, a handoff starts. When a
/// handoff is over, the next customer turn applies its end once: cool-down, satisfaction prompt, alternatives.
/// </summary>
public sealed class HandoffMiddleware(
    HandoffCoordinator coordinator,
    HandoffWording wording,
    IEscalationSuppression suppression,
    HubNotifier hub,
    IHandoffStore store,
    OutboxSignal signal,
    HandoffEventSignal events,
    HandoffEventFeed feed,
    ICopy copy,
    IOptions<HandoffOptions> options,
    TimeProvider time) : HandoffBot.Pipeline.IMiddleware
{

    public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        var state = turn.Features.GetRequired<ConversationState>();
        var section = state.Get<HandoffConversationState>();
        // A handoff whose end was applied and whose prompt was answered has nothing left to do: the store is asked only
        // while one may be under way or a prompt is open (a new handoff always starts in a turn, which sets the section).
        var open = section.HandoffId is not null && (!section.Closed || section.Prompt != CustomerPrompt.None);
        if (open && await store.GetLatestForCustomerAsync(HandoffCoordinator.CustomerKey(activity), cancellationToken) is { } latest)
        {
            if (latest.IsActive)
            {
                await TakeOverAsync(turn, latest, cancellationToken);
                return;
            }
            if (!section.Closed && latest.Id == section.HandoffId)
            {
                section = ApplyEnd(state, latest);
            }
            if (section.Prompt != CustomerPrompt.None && activity.IsType(ActivityTypes.Message)
                && await AnswerPromptAsync(turn, state, section, latest, cancellationToken))
            {
                return;
            }
        }

        await next(cancellationToken);

        if (turn.Features.Get<EscalationDecision>() is { Escalate: true } decision && activity.IsType(ActivityTypes.Message))
        {
            await coordinator.StartAsync(turn, decision, cancellationToken);
        }
    }

    private async Task TakeOverAsync(ITurnContext turn, HandoffRecord handoff, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        if (activity.IsType(ActivityTypes.Typing))
        {
            if (handoff.Status == HandoffStatus.WithAgent)
            {
                await feed.PublishTypingAsync(new HandoffTyping(handoff.Id, "customer"), handoff, cancellationToken);
                await hub.TypingAsync(handoff, cancellationToken);
            }
            return;
        }
        if (!activity.IsType(ActivityTypes.Message))
        {
            return;
        }
        var text = MentionText.StripBotMention(activity);
        var state = turn.Features.GetRequired<ConversationState>();
        if (handoff.IsWaiting)
        {
            if (Matches(text, activity.Locale, "handoff.words.cancel"))
            {
                // The notice goes out after the commit: if an agent accepted meanwhile, the turn runs again and relays instead.
                var notice = new Activity { Type = ActivityTypes.Message, Text = copy.Get(activity.Locale, "handoff.cancelled") }
                    .ApplyConversationReference(handoff.Customer) with { ReplyToId = null };
                var cancelled = coordinator.CancelInTurn(turn, handoff, HandoffActor.Customer(activity.From?.Id ?? "customer", activity.From?.Name), notice);
                if (cancelled.Value is { } ended)
                {
                    ApplyEnd(state, ended);
                    state.Set(state.Get<HandoffConversationState>() with { Prompt = CustomerPrompt.None });
                    return;
                }
            }
            RelayToAgent(turn, handoff, text);
            await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply(
                copy.Get(activity.Locale, "handoff.relayedWhileWaiting", ("wait", wording.DescribeWaitFor(activity.Locale, handoff.Id)))), cancellationToken);
            return;
        }
        if (Matches(text, activity.Locale, "handoff.words.end") && activity.Value is null)
        {
            var ended = coordinator.EndInTurn(turn, handoff, HandoffActor.Customer(activity.From?.Id ?? "customer", activity.From?.Name));
            if (ended.Value is { } closed)
            {
                ApplyEnd(state, closed);
            }
            return;
        }
        RelayToAgent(turn, handoff, text);
    }

    /// <summary>
    /// The customer's message during a handoff, in this turn's commit: a line of the handoff's event log (the console
    /// shows it live) and, with a hub configured, an outbox row to the agent's hub thread.
    /// </summary>
    private void RelayToAgent(ITurnContext turn, HandoffRecord handoff, string text)
    {
        var writes = TurnWrites.Of(turn);
        writes.Add(AgentCommands.CustomerMessage(handoff, turn.Activity, text, time.GetUtcNow()));
        writes.AfterCommit(_ =>
        {
            events.Notify();
            return Task.CompletedTask;
        });
        if (hub.IsConfigured)
        {
            signal.AddTo(writes, hub.RelayToAgent(handoff, turn.Activity, text));
        }
    }

    /// <summary>Applies a finished handoff to the customer's state once: reasons released, cool-down set, the right prompt.</summary>
    private HandoffConversationState ApplyEnd(ConversationState state, HandoffRecord handoff)
    {
        var reasons = handoff.Packet is { } packet ? HandoffCoordinator.ReasonsOf(packet).ToList() : [];
        suppression.HandoffEnded(state, reasons, (handoff.EndedAt ?? time.GetUtcNow()) + options.Value.Cooldown);
        var prompt = handoff.Status switch
        {
            HandoffStatus.Bot => CustomerPrompt.Satisfaction,
            HandoffStatus.Unassigned => CustomerPrompt.Alternatives,
            _ => CustomerPrompt.None,
        };
        var section = new HandoffConversationState(handoff.Id, Closed: true, prompt);
        state.Set(section);
        return section;
    }

    /// <summary>Handles the answer to a satisfaction or alternatives prompt; false when the message is something else.</summary>
    private async Task<bool> AnswerPromptAsync(ITurnContext turn, ConversationState state, HandoffConversationState section, HandoffRecord handoff, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        var text = MentionText.StripBotMention(activity);
        state.Set(section with { Prompt = CustomerPrompt.None });
        var alternative = section.Prompt == CustomerPrompt.Alternatives ? AlternativeChosen(text, activity.Locale) : -1;
        switch (section.Prompt)
        {
            case CustomerPrompt.Satisfaction when Score(text) is { } score:
                TurnWrites.Of(turn).Add(new SatisfactionScore(handoff.Id, handoff.CustomerKey, handoff.AgentId, score, time.GetUtcNow()));
                HandoffBot.Telemetry.HandoffTelemetry.Satisfaction(score);
                await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply(copy.Get(activity.Locale, "handoff.thanksForFeedback")), cancellationToken);
                return true;
            case CustomerPrompt.Alternatives when alternative == 0:
                state.Set(section with { Prompt = CustomerPrompt.FollowUpMessage });
                await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply(copy.Get(activity.Locale, "handoff.followUp.prompt")), cancellationToken);
                return true;
            case CustomerPrompt.Alternatives when alternative == 1:
                await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply(copy.Get(activity.Locale, "handoff.followUp.keepChatting")), cancellationToken);
                return true;
            case CustomerPrompt.FollowUpMessage when text.Length > 0:
                TurnWrites.Of(turn).Add(new FollowUpMessage(handoff.Id, handoff.CustomerKey, activity.ChannelId!, activity.From?.Id ?? string.Empty,
                    SensitiveDataMasker.Mask(text), time.GetUtcNow()));
                await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply(copy.Get(activity.Locale, "handoff.followUp.received")), cancellationToken);
                return true;
            default:
                return false;
        }
    }

    private static int? Score(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length > 0 && trimmed[0] is >= '1' and <= '5' && (trimmed.Length == 1 || !char.IsAsciiDigit(trimmed[1]))
            ? int.Parse(trimmed[..1], CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>The alternative the customer chose: its number, or its label in their language or in English; -1 for none.</summary>
    private int AlternativeChosen(string text, string? locale)
    {
        var chosen = ChannelFormatting.Choice(text, wording.AlternativesIn(locale));
        return chosen >= 0 ? chosen : ChannelFormatting.Choice(text, wording.AlternativesIn(Locales.Fallback));
    }

    /// <summary>
    /// Whether the message is one of the words of copy list <paramref name="key"/> ("a|b|c") in the customer's language or
    /// in English (English words work in every language).
    /// </summary>
    private bool Matches(string text, string? locale, string key)
    {
        var said = text.Trim().TrimEnd('.', '!');
        return IsListed(said, copy.Get(locale, key)) || IsListed(said, copy.Get(Locales.Fallback, key));
    }

    private static bool IsListed(string said, string list)
    {
        foreach (var word in list.AsSpan().Split('|'))
        {
            if (list.AsSpan()[word].Trim().Equals(said, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
