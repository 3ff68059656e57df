using HandoffBot.Escalation.Embedding;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation.Models;

/// <summary>
/// The trained heads as configured (<c>Escalation:Model</c>): loaded once, or null when switched off, with the
/// sentence embedder they read.
/// </summary>
public sealed class EscalationModelSource
{
    public EscalationModelSource(IOptions<EscalationOptions> options, ISentenceEmbedder embedder)
    {
        var settings = options.Value.Model;
        Embedder = embedder;
        Model = settings.Enabled ? EscalationModel.Load(settings.FullPath) : null;
        if (Model is not null && Model.Dimensions != embedder.Dimensions)
        {
            throw new InvalidDataException($"{settings.FullPath} was trained on {Model.Dimensions}-dimensional vectors; the embedder gives {embedder.Dimensions}.");
        }
    }

    public EscalationModel? Model { get; }

    public ISentenceEmbedder Embedder { get; }
}
