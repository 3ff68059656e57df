namespace HandoffBot.Eval;

/// <summary>
/// One evaluation over the public labelled data (../shared/data). Prints its tables to <c>output</c> and returns
/// its headline figures (name -> value), which are checked against baseline.json.
/// </summary>
public interface IEvaluation
{
    /// <summary>Short name used with <c>--only</c> and as the prefix of its figures.</summary>
    string Name { get; }

    Task<IReadOnlyDictionary<string, double>> RunAsync(string dataFolder, TextWriter output, CancellationToken cancellationToken);
}
