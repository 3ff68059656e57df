using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using HandoffBot.Hosting;
using HandoffBot.Protocol;

namespace HandoffBot.Benchmarks;

/// <summary>
/// The wire cost of one inbound activity: parse and validate it as /api/messages does, then serialise it back
/// (as the transcript and the expectReplies body do).
/// </summary>
[MemoryDiagnoser]
public class ActivityJsonBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(8192);
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup() => _writer = new Utf8JsonWriter(_output);

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark]
    public int EmulatorMessageParseAndSerialise() => RoundTrip(ActivitySamples.EmulatorMessage);

    [Benchmark]
    public int TeamsMessageParseAndSerialise() => RoundTrip(ActivitySamples.TeamsMessage);

    private int RoundTrip(byte[] body)
    {
        var parsed = ActivityParser.Parse(body);
        var activity = parsed.Activity ?? throw new InvalidOperationException(parsed.Error);
        _output.ResetWrittenCount();
        _writer.Reset(_output);
        JsonSerializer.Serialize(_writer, activity, ProtocolJsonContext.Default.Activity);
        _writer.Flush();
        return _output.WrittenCount;
    }
}
