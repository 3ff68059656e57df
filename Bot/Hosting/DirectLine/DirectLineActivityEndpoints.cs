using HandoffBot.Protocol;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Activities: the user posts one (stored, echoed, handed to the bot) or polls for those after a watermark.</summary>
public static partial class DirectLineEndpoints
{
    // POST conversations/{id}/activities -> 200 {id}; the activity is echoed to the client with its id and timestamp.
    private static async Task<IResult> PostActivityAsync(
        HttpRequest request, DirectLineAccess access, DirectLineHub hub, ChannelAdapter adapter, IOptions<DirectLineOptions> options,
        ILogger<DirectLineHub> logger, CancellationToken cancellationToken)
    {
        var read = await MessagesEndpoint.ReadBodyAsync(request, options.Value.MaxActivityBytes, cancellationToken);
        if (read.Problem is { } tooLarge)
        {
            return tooLarge;
        }
        var parsed = ActivityParser.ParseFromClient(read.Body.Span);
        if (parsed.Error is { } error)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid activity", error);
        }
        if (string.IsNullOrWhiteSpace(parsed.Activity!.Type))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid activity", "The activity has no 'type'.");
        }
        return await AcceptFromUserAsync(access, parsed.Activity, request, hub, adapter, logger, cancellationToken);
    }

    // GET conversations/{id}/activities?watermark= -> {activities, watermark} (polling clients).
    private static async Task<IResult> GetActivitiesAsync(string? watermark, DirectLineAccess access, DirectLineHub hub, CancellationToken cancellationToken)
    {
        if (!TryParseWatermark(watermark, out var position))
        {
            return BadWatermark();
        }
        return TypedResults.Json(await hub.ReadAsync(access.ConversationId!, position, cancellationToken), DirectLineJsonContext.Default.ActivitySet);
    }

    /// <summary>
    /// Stores the user's activity (typing is only passed to the bot), echoes it on the stream with its
    /// channelData.clientActivityID untouched, and hands it to the bot. 502 when the bot could not take it.
    /// </summary>
    private static async Task<IResult> AcceptFromUserAsync(
        DirectLineAccess access, Activity activity, HttpRequest request, DirectLineHub hub, ChannelAdapter adapter, ILogger logger, CancellationToken cancellationToken)
    {
        var (caller, conversationId) = (access.Caller, access.ConversationId!);
        if (!caller.IsSecret && activity.From?.Id is { Length: > 0 } fromId && fromId != caller.UserId)
        {
            return Problem(StatusCodes.Status403Forbidden, "Wrong user", "from.id does not match the user this token is bound to.");
        }
        var owner = caller.IsSecret ? access.OwnerId : caller.UserId;
        var from = (activity.From ?? new ChannelAccount()) with { Id = activity.From?.Id is { Length: > 0 } id ? id : owner, Role = RoleTypes.User };
        var incoming = activity with
        {
            From = from,
            Recipient = hub.Bot,
            Conversation = new ConversationAccount { Id = conversationId },
            ChannelId = DirectLineHub.ChannelId,
            ServiceUrl = ServiceUrl(request),
            DeliveryMode = null,
            CallerId = null,
            InputHint = InputHints.Normalize(activity.InputHint),
        };
        if (incoming.IsType(ActivityTypes.Typing))
        {
            incoming = incoming with { Id = DirectLineTokens.NewId("t_") };
        }
        else
        {
            incoming = await hub.AppendAsync(conversationId, incoming, cancellationToken);
        }
        if (await DeliverAsync(adapter, incoming, logger, cancellationToken) is { } failed)
        {
            return failed;
        }
        return TypedResults.Json(new ResourceResponse(incoming.Id), DirectLineJsonContext.Default.ResourceResponse);
    }

    private static async Task<IResult?> DeliverAsync(ChannelAdapter adapter, Activity activity, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await adapter.ProcessAsync(activity, null, cancellationToken);
            return null;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogBotFailed(logger, exception, activity.Conversation?.Id);
            return Problem(StatusCodes.Status502BadGateway, "Bot failed", "The bot could not process the activity.");
        }
    }

    [LoggerMessage(EventId = 1320, Level = LogLevel.Error, Message = "The bot could not take a Direct Line activity for {ConversationId}")]
    private static partial void LogBotFailed(ILogger logger, Exception exception, string? conversationId);
}
