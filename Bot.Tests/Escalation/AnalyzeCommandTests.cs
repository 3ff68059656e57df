using System.Diagnostics;
using System.Text;
using System.Text.Json;
using HandoffBot.Escalation;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Escalation;

public sealed class AnalyzeCommandTests(BotFactory factory) : IClassFixture<BotFactory>
{
    private EscalationCli Cli => ActivatorUtilities.CreateInstance<EscalationCli>(factory.Services);

    [Fact]
    public async Task EachLineBecomesOneJsonObjectWithTheDecision()
    {
        var input = new StringReader("agent pls\n\nsomeone is using my card right now, stop them immediately\nwhere is my parcel\n");
        var output = new StringWriter();

        var exit = await Cli.RunAsync(input, output, CancellationToken.None);

        Assert.Equal(0, exit);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.True(lines[0].GetProperty("escalate").GetBoolean());
        Assert.True(lines[0].GetProperty("requestsHuman").GetBoolean());
        var trigger = lines[0].GetProperty("triggers")[0];
        Assert.Equal("HumanRequest", trigger.GetProperty("name").GetString());
        Assert.Equal("agent", trigger.GetProperty("evidence")[0].GetString());
        Assert.True(trigger.GetProperty("score").GetDouble() > 0.5);

        Assert.Equal("", lines[1].GetProperty("text").GetString());
        Assert.False(lines[1].GetProperty("escalate").GetBoolean());
        Assert.Equal("none", lines[1].GetProperty("category").GetString());

        Assert.True(lines[2].GetProperty("urgent").GetBoolean());
        Assert.Equal("fraud", lines[2].GetProperty("category").GetString());
        Assert.Equal("Urgent", lines[2].GetProperty("priority").GetString());
        Assert.Equal("negative", lines[2].GetProperty("sentiment").GetProperty("label").GetString());

        Assert.False(lines[3].GetProperty("escalate").GetBoolean());
        Assert.False(lines[3].GetProperty("requestsHuman").GetBoolean());

        // The trained heads' probabilities ride along, and say what decided.
        var model = lines[2].GetProperty("model");
        Assert.Equal("fraud", model.GetProperty("category").GetString());
        Assert.True(model.GetProperty("categoryProbability").GetDouble() > 0.5);
        Assert.True(lines[3].GetProperty("model").GetProperty("human").GetDouble() < 0.5);
        Assert.Equal(EscalationDecision.Heads, lines[3].GetProperty("detection").GetString());
    }

    [Fact]
    public async Task InvalidUtf8StopsWithTheLineNumberOnStandardError()
    {
        var bytes = new List<byte>();
        bytes.AddRange("agent pls\n"u8.ToArray());
        bytes.AddRange([0x68, 0x69, 0xC3, 0x28, (byte)'\n']);
        bytes.AddRange("never reached\n"u8.ToArray());
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await Cli.RunAsync(new MemoryStream([.. bytes]), output, error, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Contains("line 2 is not valid UTF-8", error.ToString(), StringComparison.Ordinal);
        Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task TheRealProcessAnalyzesStandardInput()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "HandoffBot.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "analyze"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.StandardInput.BaseStream.WriteAsync("can I talk to your manager\nmy travel agent booked this\n"u8.ToArray(), timeout.Token);
        process.StandardInput.Close();
        var stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([true, false], lines.Select(l => l.GetProperty("requestsHuman").GetBoolean()));
    }
}
