using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HandoffBot.Benchmarks;

/// <summary>The bot exactly as Program.cs composes it (the real host, built by WebApplicationFactory&lt;Program&gt;), Production settings, on a SQLite file in a fresh temporary folder.</summary>
internal sealed class BenchmarkHost : IDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly string _dataFolder;

    public BenchmarkHost(string folderPrefix)
    {
        _dataFolder = Directory.CreateTempSubdirectory(folderPrefix).FullName;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder => builder
            .UseEnvironment("Production")
            .UseSetting("Storage:DataFolder", _dataFolder)
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)));
    }

    public T Service<T>() where T : notnull => _factory.Services.GetRequiredService<T>();

    public void Dispose()
    {
        _factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataFolder, recursive: true);
    }
}
