namespace HandoffBot.Escalation.Embedding;

/// <summary>
/// The customer message's sentence vector, computed once per turn by the escalation middleware and put on the
/// turn's features, so the assistant (and anything after it) reuses it instead of running the encoder again.
/// </summary>
public sealed record MessageEmbedding(string Text, float[] Vector);
