using System.Diagnostics;
using System.Text;

namespace HandoffBot.Tests.Support;

/// <summary>Runs a Node.js script of the repository (offline checks under eng/) and returns its exit code and output.</summary>
public static class NodeScript
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string folder, string script, IEnumerable<string> arguments)
    {
        var output = new StringBuilder();
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo("node", [script, .. arguments])
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            },
        };
        DataReceivedEventHandler collect = (_, line) =>
        {
            if (line.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(line.Data);
                }
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish within a minute: {output}");
        }
        process.WaitForExit(); // the last output lines
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
