namespace HandoffBot.Hosting.DirectLine;

/// <summary>
/// Where the bytes of Direct Line uploads live: files in the instance's data folder with SQLite (one process,
/// <see cref="DirectLineFolderAttachments"/>), the shared database with PostgreSQL (so an upload posted to one instance
/// is served by any other). The descriptions are in <see cref="IDirectLineStore"/> either way.
/// </summary>
public interface IDirectLineAttachmentContent
{
    /// <summary>Stores every file's bytes and its description; when it fails, nothing of them stays.</summary>
    Task SaveAsync(IReadOnlyList<(StoredAttachment Attachment, IFormFile File)> files, CancellationToken cancellationToken);

    /// <summary>The bytes of a stored attachment (dispose the stream); null when they are missing.</summary>
    Task<Stream?> OpenAsync(StoredAttachment attachment, CancellationToken cancellationToken);
}
