using HandoffBot.Protocol;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Uploads: files posted with an optional activity become that message's attachments, served back by id.</summary>
public static partial class DirectLineEndpoints
{
    private const string ActivityPart = "activity";

    // POST conversations/{id}/upload?userId= (multipart): files become the message's attachments, served back by id.
    private static async Task<IResult> UploadAsync(
        string? userId, HttpContext context, DirectLineAccess access, DirectLineHub hub, ChannelAdapter adapter,
        IOptions<DirectLineOptions> options, DirectLineUploads uploads, ILogger<DirectLineHub> logger, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!access.Caller.IsSecret && userId is { Length: > 0 } && userId != access.Caller.UserId)
        {
            return Problem(StatusCodes.Status403Forbidden, "Wrong user", "userId does not match the user this token is bound to.");
        }
        var max = options.Value.MaxUploadBytes;
        if (request.ContentLength > max)
        {
            return UploadTooLarge(max);
        }
        if (!request.HasFormContentType)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid upload", "The upload must be multipart/form-data.");
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = max, ValueLengthLimit = options.Value.MaxActivityBytes }, cancellationToken);
        }
        catch (InvalidDataException)
        {
            return UploadTooLarge(max);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return UploadTooLarge(max);
        }
        catch (Exception exception) when (exception is BadHttpRequestException or IOException)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid upload", "The multipart body could not be read.");
        }

        var (activity, bad) = await ReadUploadActivityAsync(form, options.Value.MaxActivityBytes, cancellationToken);
        if (bad is not null)
        {
            return bad;
        }
        var files = form.Files.Where(f => !string.Equals(f.Name, ActivityPart, StringComparison.OrdinalIgnoreCase)).ToList();
        if (files.Count == 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid upload", "The upload has no file.");
        }
        if (files.Sum(f => f.Length) > max)
        {
            return UploadTooLarge(max);
        }
        var saved = await uploads.SaveAsync(access.ConversationId!, files, cancellationToken);
        var attachments = (activity.Attachments ?? []).Concat(saved.Select(a => new Attachment
        {
            ContentType = a.ContentType,
            ContentUrl = $"{request.Scheme}://{request.Host}{request.PathBase}{BasePath}/attachments/{a.Id}",
            Name = a.Name,
        }));
        activity = activity with { Type = activity.Type ?? ActivityTypes.Message, Attachments = [.. attachments] };
        return await AcceptFromUserAsync(access, activity, request, hub, adapter, logger, cancellationToken);
    }

    /// <summary>The upload's activity (a file part or a field named <c>activity</c>), parsed as any client activity; a plain message without one.</summary>
    private static async Task<(Activity Activity, IResult? Problem)> ReadUploadActivityAsync(IFormCollection form, int maxBytes, CancellationToken cancellationToken)
    {
        byte[] json;
        if (form.Files.GetFile(ActivityPart) is { } part)
        {
            if (part.Length > maxBytes)
            {
                return (new Activity(), Problem(StatusCodes.Status413PayloadTooLarge, "Activity too large", $"The 'activity' part exceeds the limit of {maxBytes} bytes."));
            }
            using var buffer = new MemoryStream((int)part.Length);
            await using (var stream = part.OpenReadStream())
            {
                await stream.CopyToAsync(buffer, cancellationToken);
            }
            json = buffer.ToArray();
        }
        else if (form.TryGetValue(ActivityPart, out var field) && field.ToString() is { Length: > 0 } text)
        {
            json = System.Text.Encoding.UTF8.GetBytes(text);
        }
        else
        {
            return (new Activity { Type = ActivityTypes.Message }, null);
        }
        var parsed = ActivityParser.ParseFromClient(json);
        return parsed.Error is { } error
            ? (new Activity(), Problem(StatusCodes.Status400BadRequest, "Invalid upload", $"The '{ActivityPart}' part: {error}"))
            : (parsed.Activity!, null);
    }

    // GET attachments/{id}: the uploaded bytes with their content type.
    private static async Task<IResult> DownloadAsync(string attachmentId, HttpContext context, IDirectLineStore store, DirectLineUploads uploads, CancellationToken cancellationToken)
    {
        if (!DirectLineUploads.IsWellFormedId(attachmentId) || await store.FindAttachmentAsync(attachmentId, cancellationToken) is not { } attachment
            || await uploads.OpenAsync(attachment, cancellationToken) is not { } content)
        {
            return Problem(StatusCodes.Status404NotFound, "Not found", $"No attachment '{attachmentId}'.");
        }
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        var inline = attachment.ContentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            || attachment.ContentType.StartsWith("audio/", StringComparison.OrdinalIgnoreCase)
            || attachment.ContentType.StartsWith("video/", StringComparison.OrdinalIgnoreCase);
        return TypedResults.Stream(content, attachment.ContentType, inline ? null : attachment.Name ?? attachment.Id);
    }

    private static ProblemHttpResult UploadTooLarge(long max) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"The upload exceeds the limit of {max} bytes.");
}
