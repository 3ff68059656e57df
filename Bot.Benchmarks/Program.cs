using BenchmarkDotNet.Running;

namespace HandoffBot.Benchmarks;

/// <summary>dotnet run -c Release --project Bot.Benchmarks -- --filter '*'   (see README: Benchmarks)</summary>
internal static class BenchmarkProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
