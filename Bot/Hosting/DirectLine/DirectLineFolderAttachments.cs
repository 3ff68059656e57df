using HandoffBot.Storage;
using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Upload bytes as one file per attachment under <c>{DataFolder}/directline-uploads</c> (the SQLite provider: one process).</summary>
public sealed class DirectLineFolderAttachments(IDirectLineStore store, IOptions<StorageOptions> storage, IHostEnvironment environment) : IDirectLineAttachmentContent
{
    private readonly string _folder = Path.Combine(Path.GetFullPath(storage.Value.DataFolder, environment.ContentRootPath), "directline-uploads");

    /// <summary>Writes every file, then records them; on any failure nothing written stays behind.</summary>
    public async Task SaveAsync(IReadOnlyList<(StoredAttachment Attachment, IFormFile File)> files, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folder);
        var written = new List<string>(files.Count);
        try
        {
            foreach (var (attachment, file) in files)
            {
                var path = Path.Combine(_folder, attachment.Id);
                written.Add(path);
                await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                await file.CopyToAsync(target, cancellationToken);
            }
            foreach (var (attachment, _) in files)
            {
                await store.SaveAttachmentAsync(attachment, cancellationToken);
            }
        }
        catch
        {
            foreach (var path in written)
            {
                File.Delete(path);
            }
            throw;
        }
    }

    public Task<Stream?> OpenAsync(StoredAttachment attachment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        var path = Path.Combine(_folder, attachment.Id);
        return Task.FromResult<Stream?>(DirectLineUploads.IsWellFormedId(attachment.Id) && File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true)
            : null);
    }
}
