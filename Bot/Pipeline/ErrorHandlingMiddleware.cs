using HandoffBot.Protocol;

namespace HandoffBot.Pipeline;

/// <summary>
/// Outermost middleware: logs a failed turn and tells the customer something went wrong, without exception text.
/// </summary>
public sealed partial class ErrorHandlingMiddleware(ILogger<ErrorHandlingMiddleware> logger) : IMiddleware
{
    public const string ApologyText = "Sorry, something went wrong on our side. Please try again in a moment.";

    public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        try
        {
            await next(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (!Storage.StorageFaults.IsUnavailable(exception))
        {
            // (The database being away is not answered with an apology: the turn is not done, it runs again; see TurnQueue.)
            LogTurnFailed(logger, exception, turn.Activity.Type, turn.Activity.ChannelId, turn.Activity.Conversation?.Id);
            if (turn.Activity.IsType(ActivityTypes.Message))
            {
                try
                {
                    await turn.SendActivityAsync(turn.Activity.CreateReply(ApologyText), cancellationToken);
                }
                catch (Exception sendFailure)
                {
                    LogApologyFailed(logger, sendFailure, turn.Activity.Conversation?.Id);
                }
            }
            if (turn.Activity.IsType(ActivityTypes.Invoke))
            {
                throw;
            }
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Turn failed: {Type} on {ChannelId} conversation {ConversationId}")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string? type, string? channelId, string? conversationId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Could not tell conversation {ConversationId} that its turn failed")]
    private static partial void LogApologyFailed(ILogger logger, Exception exception, string? conversationId);
}
