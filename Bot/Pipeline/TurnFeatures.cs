namespace HandoffBot.Pipeline;

/// <summary>
/// Per-turn values keyed by their type, so middleware exchange typed objects instead of string-keyed bags.
/// A turn runs on one logical flow at a time; this is not meant for concurrent writers.
/// </summary>
public sealed class TurnFeatures
{
    private readonly Dictionary<Type, object> _features = [];

    public T? Get<T>() where T : class => _features.TryGetValue(typeof(T), out var value) ? (T)value : null;

    public T GetRequired<T>() where T : class =>
        Get<T>() ?? throw new InvalidOperationException($"The turn has no {typeof(T).Name}; is its middleware in the pipeline?");

    public void Set<T>(T? value) where T : class
    {
        if (value is null)
        {
            _features.Remove(typeof(T));
        }
        else
        {
            _features[typeof(T)] = value;
        }
    }
}
