using Microsoft.Net.Http.Headers;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Uploaded files: each gets an id, a content type and a safe name; the bytes go where the provider keeps them (<see cref="IDirectLineAttachmentContent"/>).</summary>
public sealed class DirectLineUploads(IDirectLineAttachmentContent content)
{
    private const string Prefix = "att_";
    private static readonly System.Buffers.SearchValues<char> Hex = System.Buffers.SearchValues.Create("0123456789abcdef");

    public static bool IsWellFormedId(string id) =>
        id.Length == Prefix.Length + 32 && id.StartsWith(Prefix, StringComparison.Ordinal) && !id.AsSpan(Prefix.Length).ContainsAnyExcept(Hex);

    /// <summary>Stores every file with its description; on any failure nothing stays behind.</summary>
    public async Task<IReadOnlyList<StoredAttachment>> SaveAsync(string conversationId, IReadOnlyList<IFormFile> files, CancellationToken cancellationToken)
    {
        var saved = new List<(StoredAttachment, IFormFile)>(files.Count);
        foreach (var file in files)
        {
            var id = DirectLineTokens.NewId(Prefix) + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
            var contentType = MediaTypeHeaderValue.TryParse(file.ContentType, out var parsed) && parsed.MediaType.HasValue
                ? parsed.MediaType.Value!
                : "application/octet-stream";
            saved.Add((new StoredAttachment(id, conversationId, contentType, SafeName(file.FileName), file.Length), file));
        }
        await content.SaveAsync(saved, cancellationToken);
        return [.. saved.Select(s => s.Item1)];
    }

    /// <summary>The bytes of a stored attachment, or null.</summary>
    public Task<Stream?> OpenAsync(StoredAttachment attachment, CancellationToken cancellationToken) => content.OpenAsync(attachment, cancellationToken);

    private static string? SafeName(string? name)
    {
        var file = Path.GetFileName(name ?? string.Empty);
        var clean = new string([.. file.Where(c => !char.IsControl(c) && c is not '"' and not '\\' and not '/')]);
        return clean.Length == 0 ? null : clean.Length > 128 ? clean[..128] : clean;
    }
}
