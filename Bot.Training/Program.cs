using System.Globalization;
using HandoffBot.Escalation.Models;
using HandoffBot.Training;

// Bot.Training --data <folder> [--out heads.json] [--cache file] [--seed n]
// Trains the escalation heads from the public data in <folder> and Data/escalation-train*.tsv, seeded, and writes
// them (weights, thresholds, validation metrics) to --out. See docs/escalation.md.
string? data = null;
string? output = null;
var cache = TrainingRun.DefaultCachePath();
var seed = TrainingRun.DefaultSeed;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data" when i + 1 < args.Length: data = args[++i]; break;
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        case "--cache" when i + 1 < args.Length: cache = args[++i]; break;
        case "--seed" when i + 1 < args.Length && ulong.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var s): seed = s; i++; break;
        default:
            await Console.Error.WriteLineAsync($"unknown or incomplete argument '{args[i]}'. Usage: Bot.Training --data <folder> [--out heads.json] [--cache file] [--seed n]");
            return 2;
    }
}
if (data is null || !Directory.Exists(data))
{
    await Console.Error.WriteLineAsync($"--data must name the folder with the public data (got '{data}').");
    return 2;
}
var started = System.Diagnostics.Stopwatch.StartNew();
var (file, store) = await TrainingRun.TrainAsync(data, cache, seed, CancellationToken.None);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained in {started.Elapsed.TotalSeconds:F1} s ({store.Embedded} texts embedded in {store.EmbeddingTime.TotalSeconds:F1} s; vectors cached in {cache})"));
Console.WriteLine(HeadTrainer.Describe(file.Metrics));
if (output is not null)
{
    file.Save(output);
    Console.WriteLine($"wrote {output}");
}
return 0;
