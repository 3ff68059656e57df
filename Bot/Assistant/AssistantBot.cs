using HandoffBot.Escalation.Embedding;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Resources;
using Microsoft.Extensions.Options;

namespace HandoffBot.Assistant;

/// <summary>
/// The end of the pipeline: welcomes new members, answers questions from the knowledge base, and says honestly
/// when it is not sure. The answer and its confidence are left on the turn for the escalation middleware. Its own
/// sentences are copy (<c>assistant.*</c>) in the activity's language; the answers are the knowledge base's content.
/// </summary>
public sealed class AssistantBot(IAnswerEngine engine, IOptions<AssistantOptions> options, ICopy copy, TimeProvider time) : IBot
{
    public async Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        if (activity.IsType(ActivityTypes.ConversationUpdate))
        {
            await WelcomeAsync(turn, cancellationToken);
        }
        else if (activity.IsType(ActivityTypes.Message) && activity.TrimmedText() is { Length: > 0 } text)
        {
            await AnswerAsync(turn, text, cancellationToken);
        }
    }

    private async Task WelcomeAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        var botId = activity.Recipient?.Id;
        var newcomers = activity.MembersAdded?.Where(m => m.Id is not null && m.Id != botId).ToList() ?? [];
        if (newcomers.Count == 0)
        {
            return;
        }
        var state = turn.Features.Get<ConversationState>();
        if (state?.Get<AssistantState>() is { Welcomed: true })
        {
            return;
        }
        await turn.SendActivityAsync(activity.CreateReply(copy.Get(activity.Locale, "assistant.welcome")) with { InputHint = InputHints.ExpectingInput }, cancellationToken);
        state?.Set(state.Get<AssistantState>() with { Welcomed = true });
    }

    private async Task AnswerAsync(ITurnContext turn, string text, CancellationToken cancellationToken)
    {
        // The escalation middleware embedded this message already: reuse its vector.
        var vector = turn.Features.Get<MessageEmbedding>() is { } embedding && embedding.Text == text ? embedding.Vector : null;
        var result = engine.Answer(text, vector);
        var answered = result.Entry is not null && result.Confidence >= options.Value.ConfidenceThreshold;
        turn.Features.Set(result);
        var reply = answered ? result.Entry!.Answer : copy.Get(turn.Activity.Locale, "assistant.notSure");
        await turn.SendActivityAsync(turn.Activity.CreateReply(reply) with { InputHint = InputHints.AcceptingInput }, cancellationToken);
        if (turn.Features.Get<ConversationState>() is { } state)
        {
            var turnRecord = new AssistantTurn(text, answered ? result.Entry!.Id : null, result.Confidence, answered, time.GetUtcNow());
            state.Set(state.Get<AssistantState>().Add(turnRecord));
        }
    }
}
