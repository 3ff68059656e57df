namespace HandoffBot.Escalation.Embedding;

/// <summary>
/// The customer message's sentence vector, computed once per turn by the escalation middleware and put on the
/// turn's features, so the assistant (and anything after it) reuses it instead of running the encoder again.
/// An empty vector: the cheap stage settled the turn and nothing after it should run the encoder for it.
/// </summary>
public sealed record MessageEmbedding(string Text, float[] Vector);
