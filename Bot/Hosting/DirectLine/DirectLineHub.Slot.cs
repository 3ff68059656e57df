namespace HandoffBot.Hosting.DirectLine;

public sealed partial class DirectLineHub
{
    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>The last position pushed to <see cref="Stream"/> (its watermark).</summary>
        public long Cursor { get; set; }

        public DirectLineStream? Stream { get; set; }

        /// <summary>Taken out of the dictionary: a new stream makes a new slot.</summary>
        public bool Removed { get; set; }
    }
}
