using System.Diagnostics;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Hosting.DirectLine;

/// <summary>The official Direct Line client (botframework-directlinejs, run by Node) against the bot on a loopback port.</summary>
public sealed class DirectLineConformanceTests
{
    [Fact]
    public async Task TheOfficialDirectLineClientPassesTheConformanceScript()
    {
        await using var bot = LiveBot.Start();
        var folder = Path.Combine(LiveBot.RepositoryRoot(), "eng", "directline-conformance");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "botframework-directlinejs")),
            "botframework-directlinejs is not installed: run eng/prerequisites.sh (npm ci in eng/directline-conformance).");

        var start = new ProcessStartInfo("node", ["conformance.js", bot.BaseAddress.ToString(), LiveBot.Secret])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var output = node.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = node.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw;
        }
        var text = await output + await errors;

        Assert.True(node.ExitCode == 0, text);
        Assert.DoesNotContain("not ok", text, StringComparison.Ordinal);
        Assert.Contains("ok - the resumed stream sends only activities after the watermark", text, StringComparison.Ordinal);
        Assert.Contains("ok - tokens/refresh returns a token for the same conversation", text, StringComparison.Ordinal);
        Assert.Contains("conformance: 15 checks passed", text, StringComparison.Ordinal);
    }
}
