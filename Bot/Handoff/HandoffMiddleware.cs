using System.Globalization;
using HandoffBot.AgentHub;
using HandoffBot.Escalation;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>
/// Sits after conversation state and before escalation. Hub traffic goes to the agent hub handler. A customer with
/// a handoff under way is taken over (the assistant stays silent): waiting customers can cancel, customers with an
/// agent are relayed. Otherwise the turn runs on, and if escalation decided to escalate, a handoff starts. When a
/// handoff is over, the next customer turn applies its end once: cool-down, satisfaction prompt, alternatives.
/// </summary>
public sealed class HandoffMiddleware(
    HandoffCoordinator coordinator,
    AgentHubHandler agentHub,
    HubNotifier hub,
    IHandoffStore store,
    OutboxSignal signal,
    IOptions<HandoffOptions> options,
    TimeProvider time) : HandoffBot.Pipeline.IMiddleware
{
    private static readonly string[] CancelWords = ["cancel", "stop", "never mind", "nevermind", "cancel request", "stop waiting"];
    private static readonly string[] EndWords = ["end", "end chat", "stop chat", "end conversation", "bye"];

    public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        if (hub.IsHubActivity(activity))
        {
            await agentHub.OnTurnAsync(turn, cancellationToken);
            return;
        }
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
            if (Matches(text, CancelWords))
            {
                var cancelled = await coordinator.CancelAsync(handoff.Id, HandoffActor.Customer(activity.From?.Id ?? "customer", activity.From?.Name), cancellationToken);
                if (cancelled.Value is { } ended)
                {
                    ApplyEnd(state, ended);
                    state.Set(state.Get<HandoffConversationState>() with { Prompt = CustomerPrompt.None });
                    await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply("OK, I've cancelled the request. You're back with the assistant: how can I help?"), cancellationToken);
                    return;
                }
            }
            signal.AddTo(TurnWrites.Of(turn), hub.RelayToAgent(handoff, activity, text));
            await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply(
                $"Thanks, the agent will see that. {coordinator.DescribeWaitFor(handoff.Id)} Type \"cancel\" to go back to the assistant."), cancellationToken);
            return;
        }
        if (Matches(text, EndWords) && activity.Value is null)
        {
            var ended = await coordinator.EndAsync(handoff.Id, HandoffActor.Customer(activity.From?.Id ?? "customer", activity.From?.Name), cancellationToken);
            if (ended.Value is { } closed)
            {
                ApplyEnd(state, closed);
            }
            return;
        }
        signal.AddTo(TurnWrites.Of(turn), hub.RelayToAgent(handoff, activity, text));
    }

    /// <summary>Applies a finished handoff to the customer's state once: reasons released, cool-down set, the right prompt.</summary>
    private HandoffConversationState ApplyEnd(ConversationState state, HandoffRecord handoff)
    {
        var history = state.Get<EscalationHistory>();
        var reasons = handoff.Packet is { } packet ? HandoffCoordinator.ReasonsOf(packet).ToList() : [];
        var endedAt = handoff.EndedAt ?? time.GetUtcNow();
        state.Set(history with
        {
            ActiveReasons = [.. history.ActiveReasons.Except(reasons, StringComparer.OrdinalIgnoreCase)],
            CooldownUntil = endedAt + options.Value.Cooldown,
            CooldownReasons = [.. reasons],
        });
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
        switch (section.Prompt)
        {
            case CustomerPrompt.Satisfaction when Score(text) is { } score:
                TurnWrites.Of(turn).Add(new SatisfactionScore(handoff.Id, handoff.CustomerKey, handoff.AgentId, score, time.GetUtcNow()));
                await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply("Thank you for your feedback! Is there anything else I can help with?"), cancellationToken);
                return true;
            case CustomerPrompt.Alternatives when ChannelFormatting.Choice(text, HandoffCoordinator.Alternatives) == 0:
                state.Set(section with { Prompt = CustomerPrompt.FollowUpMessage });
                await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply("Please type your message in one go, and someone will get back to you as soon as possible."), cancellationToken);
                return true;
            case CustomerPrompt.Alternatives when ChannelFormatting.Choice(text, HandoffCoordinator.Alternatives) == 1:
                await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply("Sure, I'm here. What can I help you with?"), cancellationToken);
                return true;
            case CustomerPrompt.FollowUpMessage when text.Length > 0:
                TurnWrites.Of(turn).Add(new FollowUpMessage(handoff.Id, handoff.CustomerKey, activity.ChannelId!, activity.From?.Id ?? string.Empty,
                    SensitiveDataMasker.Mask(text), time.GetUtcNow()));
                await HandoffCoordinator.SendInTurnAsync(turn, activity.CreateReply("Thanks, I've passed your message on. Someone will follow up with you. Anything else I can help with meanwhile?"), cancellationToken);
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

    private static bool Matches(string text, string[] words) =>
        words.Any(w => string.Equals(text.Trim().TrimEnd('.', '!'), w, StringComparison.OrdinalIgnoreCase));
}
