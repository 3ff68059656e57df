using HandoffBot.Escalation;
using HandoffBot.Escalation.Embedding;
using HandoffBot.Escalation.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Training;

/// <summary>One seeded training run of the escalation heads, as the command line and the reproduction check run it.</summary>
public static class TrainingRun
{
    public const ulong DefaultSeed = 20261202;

    /// <summary>The command that reproduces the committed heads (from the repository root).</summary>
    public const string Command = "dotnet run --project Bot.Training -c Release -- --data ../shared/data --out Bot/Escalation/Models/heads.json";

    /// <summary>Default place of the vector file: <c>artifacts/embeddings/minilm.bin</c> under the repository root.</summary>
    public static string DefaultCachePath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "HandoffBot.sln")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? Path.GetTempPath(), "artifacts", "embeddings", "minilm.bin");
    }

    /// <summary>
    /// The escalation services as the bot configures them (its appsettings.json), with the trained heads switched
    /// on or off (off: the rule triggers alone, which is what the heads read as features).
    /// </summary>
    public static ServiceProvider CreateServices(bool model)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: false)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Escalation:Model:Enabled"] = model ? "true" : "false" })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddEscalation();
        return services.BuildServiceProvider();
    }

    internal static async Task<(EscalationHeadFile File, EmbeddingStore Store)> TrainAsync(string dataFolder, string? cachePath, ulong seed, CancellationToken cancellationToken)
    {
        var own = LabelledMessages.OwnFiles(Path.Combine(AppContext.BaseDirectory, "Data"));
        var messages = await LabelledMessages.LoadAsync(dataFolder, own, cancellationToken);
        await using var services = CreateServices(model: false);
        var store = EmbeddingStore.Open(cachePath, services.GetRequiredService<ISentenceEmbedder>());
        var trainer = new HeadTrainer(services.GetRequiredService<EscalationDetector>(), services.GetRequiredService<ISentimentAnalyzer>(), store);
        var file = await trainer.TrainAsync(messages, seed, Command + (seed == DefaultSeed ? string.Empty : $" --seed {seed}"), cancellationToken);
        foreach (var line in trainer.Diagnostics)
        {
            Console.WriteLine(line);
        }
        return (file, store);
    }
}
