using System.Globalization;
using System.Text.Json;
using HandoffBot.Eval;

// Bot.Eval --data <folder> [--only name[,name]] [--check] [--baseline file]
// Runs every IEvaluation in this assembly, prints its tables, and with --check fails (exit 1) when any figure
// falls below its baseline (no silent regressions).
string? data = null;
string? only = null;
var check = false;
var baselinePath = Path.Combine(AppContext.BaseDirectory, "baseline.json");
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data" when i + 1 < args.Length: data = args[++i]; break;
        case "--only" when i + 1 < args.Length: only = args[++i]; break;
        case "--baseline" when i + 1 < args.Length: baselinePath = args[++i]; break;
        case "--check": check = true; break;
        default:
            await Console.Error.WriteLineAsync($"unknown argument '{args[i]}'. Usage: Bot.Eval --data <folder> [--only names] [--check] [--baseline file]");
            return 2;
    }
}
if (data is null || !Directory.Exists(data))
{
    await Console.Error.WriteLineAsync($"--data must name the folder with the evaluation data (got '{data}').");
    return 2;
}

var selected = only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var evaluations = typeof(IEvaluation).Assembly.GetTypes()
    .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IEvaluation).IsAssignableFrom(t))
    .Select(t => (IEvaluation)Activator.CreateInstance(t)!)
    .Where(e => selected is null || selected.Contains(e.Name, StringComparer.OrdinalIgnoreCase))
    .OrderBy(e => e.Name, StringComparer.Ordinal)
    .ToList();

var figures = new SortedDictionary<string, double>(StringComparer.Ordinal);
foreach (var evaluation in evaluations)
{
    Console.WriteLine($"## {evaluation.Name}");
    var started = System.Diagnostics.Stopwatch.StartNew();
    foreach (var (name, value) in await evaluation.RunAsync(data, Console.Out, CancellationToken.None))
    {
        figures[$"{evaluation.Name}.{name}"] = value;
    }
    Console.WriteLine($"({evaluation.Name}: {started.Elapsed.TotalSeconds:F1} s)");
    Console.WriteLine();
}

Console.WriteLine("## figures");
foreach (var (name, value) in figures)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} = {value:F4}"));
}

if (!check)
{
    return 0;
}
var baseline = JsonSerializer.Deserialize<Dictionary<string, double>>(await File.ReadAllTextAsync(baselinePath)) ?? [];
var failures = 0;
foreach (var (name, minimum) in baseline.OrderBy(b => b.Key, StringComparer.Ordinal))
{
    if (selected is not null && !selected.Any(s => name.StartsWith(s + ".", StringComparison.OrdinalIgnoreCase)))
    {
        continue;
    }
    if (!figures.TryGetValue(name, out var value))
    {
        Console.WriteLine($"REGRESSION {name}: no longer measured (baseline {minimum:F4})");
        failures++;
    }
    else if (value < minimum - 1e-9)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"REGRESSION {name}: {value:F4} < baseline {minimum:F4}"));
        failures++;
    }
}
Console.WriteLine(failures == 0 ? "evaluation: every figure at or above its baseline" : $"evaluation: {failures} figure(s) below baseline");
return failures == 0 ? 0 : 1;

