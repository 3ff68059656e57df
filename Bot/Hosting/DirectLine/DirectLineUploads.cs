using HandoffBot.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Uploaded files, one file per attachment under <c>{DataFolder}/directline-uploads</c>, described in the store.</summary>
public sealed class DirectLineUploads(IDirectLineStore store, IOptions<StorageOptions> storage, IHostEnvironment environment)
{
    private const string Prefix = "att_";
    private static readonly System.Buffers.SearchValues<char> Hex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly string _folder = Path.Combine(Path.GetFullPath(storage.Value.DataFolder, environment.ContentRootPath), "directline-uploads");

    public static bool IsWellFormedId(string id) =>
        id.Length == Prefix.Length + 32 && id.StartsWith(Prefix, StringComparison.Ordinal) && !id.AsSpan(Prefix.Length).ContainsAnyExcept(Hex);

    public string? PathOf(string attachmentId)
    {
        var path = Path.Combine(_folder, attachmentId);
        return IsWellFormedId(attachmentId) && File.Exists(path) ? path : null;
    }

    /// <summary>Writes every file, then records them; on any failure nothing written stays behind.</summary>
    public async Task<IReadOnlyList<StoredAttachment>> SaveAsync(string conversationId, IReadOnlyList<IFormFile> files, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folder);
        var saved = new List<StoredAttachment>(files.Count);
        try
        {
            foreach (var file in files)
            {
                var id = DirectLineTokens.NewId(Prefix) + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
                var contentType = MediaTypeHeaderValue.TryParse(file.ContentType, out var parsed) && parsed.MediaType.HasValue
                    ? parsed.MediaType.Value!
                    : "application/octet-stream";
                var attachment = new StoredAttachment(id, conversationId, contentType, SafeName(file.FileName), file.Length);
                saved.Add(attachment);
                await using var target = new FileStream(Path.Combine(_folder, id), FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                await file.CopyToAsync(target, cancellationToken);
            }
            foreach (var attachment in saved)
            {
                await store.SaveAttachmentAsync(attachment, cancellationToken);
            }
            return saved;
        }
        catch
        {
            foreach (var attachment in saved)
            {
                File.Delete(Path.Combine(_folder, attachment.Id));
            }
            throw;
        }
    }

    private static string? SafeName(string? name)
    {
        var file = Path.GetFileName(name ?? string.Empty);
        var clean = new string([.. file.Where(c => !char.IsControl(c) && c is not '"' and not '\\' and not '/')]);
        return clean.Length == 0 ? null : clean.Length > 128 ? clean[..128] : clean;
    }
}
