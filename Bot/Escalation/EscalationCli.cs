using System.Buffers;
using System.Text;
using System.Text.Json;
using HandoffBot.Assistant;
using HandoffBot.Protocol;

namespace HandoffBot.Escalation;

/// <summary>
/// <c>dotnet run --project Bot -- analyze</c>: reads customer messages from stdin, one per line (strict UTF-8),
/// evaluates each as the first turn of a fresh conversation with the configuration in effect, and writes one JSON
/// object per line. Invalid UTF-8 stops with a message naming the line on stderr and exit code 1.
/// </summary>
public sealed class EscalationCli(EscalationDetector detector, ISentimentAnalyzer sentiment, IAnswerEngine answers)
{
    private static readonly Activity FirstTurn = new()
    {
        Type = ActivityTypes.Message,
        ChannelId = "cli",
        Conversation = new ConversationAccount { Id = "analyze" },
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Builds the same registrations as the bot (no web server) from its configuration and runs the command.</summary>
    public static async Task<int> RunAsync(string[] args, Stream input, Stream output, TextWriter error)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddAssistant();
        builder.Services.AddEscalation();
        try
        {
            using var host = builder.Build();
            var cli = ActivatorUtilities.CreateInstance<EscalationCli>(host.Services);
            await using var writer = new StreamWriter(output, StrictUtf8, leaveOpen: true) { AutoFlush = false, NewLine = "\n" };
            return await cli.RunAsync(input, writer, error, CancellationToken.None);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException exception)
        {
            await error.WriteLineAsync($"analyze: configuration is invalid: {exception.Message}");
            return 2;
        }
    }

    /// <summary>Reads raw bytes so that invalid UTF-8 is reported with its line number.</summary>
    public async Task<int> RunAsync(Stream input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var pending = new ArrayBufferWriter<byte>();
        var buffer = new byte[16 * 1024];
        var lineNumber = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var chunk = buffer.AsMemory(0, read);
            int newline;
            while ((newline = chunk.Span.IndexOf((byte)'\n')) >= 0)
            {
                pending.Write(chunk.Span[..newline]);
                chunk = chunk[(newline + 1)..];
                if (!await LineAsync(pending.WrittenMemory, ++lineNumber, output, error, cancellationToken))
                {
                    return 1;
                }
                pending.Clear();
            }
            pending.Write(chunk.Span);
        }
        if (pending.WrittenCount > 0 && !await LineAsync(pending.WrittenMemory, ++lineNumber, output, error, cancellationToken))
        {
            return 1;
        }
        await output.FlushAsync(cancellationToken);
        return 0;
    }

    /// <summary>For callers that already have text (tests, other tools).</summary>
    public async Task<int> RunAsync(TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        string? line;
        while ((line = await input.ReadLineAsync(cancellationToken)) is not null)
        {
            await output.WriteLineAsync(await AnalyzeLineAsync(line, cancellationToken));
        }
        await output.FlushAsync(cancellationToken);
        return 0;
    }

    private async Task<bool> LineAsync(ReadOnlyMemory<byte> bytes, int lineNumber, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var span = bytes.Span;
        if (lineNumber == 1 && span.StartsWith("\uFEFF"u8))
        {
            span = span[3..];
        }
        if (span.Length > 0 && span[^1] == (byte)'\r')
        {
            span = span[..^1];
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(span);
        }
        catch (DecoderFallbackException)
        {
            await output.FlushAsync(cancellationToken);
            await error.WriteLineAsync($"analyze: line {lineNumber} is not valid UTF-8; stopping.");
            return false;
        }
        await output.WriteLineAsync(await AnalyzeLineAsync(text, cancellationToken));
        return true;
    }

    /// <summary>One message, as the first turn of a fresh conversation, as one line of JSON.</summary>
    public async Task<string> AnalyzeLineAsync(string line, CancellationToken cancellationToken)
    {
        var text = line.Trim();
        SentimentResult? mood = null;
        var decision = EscalationDecision.None([]);
        if (text.Length > 0)
        {
            mood = await sentiment.AnalyzeAsync(text, null, cancellationToken);
            double? confidence = detector.NeedsAnswer ? answers.Answer(text).Confidence : null;
            var snapshot = detector.WithLanguage(new TurnSnapshot(FirstTurn with { Text = text }, text, mood, confidence, EscalationHistory.Empty));
            decision = await detector.EvaluateAsync(snapshot, cancellationToken);
        }
        return Format(text, decision, mood);
    }

    internal static string Format(string text, EscalationDecision decision, SentimentResult? mood)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("text", text);
            json.WriteBoolean("escalate", decision.Escalate);
            json.WriteStartArray("triggers");
            var requestsHuman = false;
            var urgent = false;
            foreach (var signal in decision.Signals)
            {
                if (!signal.Fired)
                {
                    continue;
                }
                requestsHuman |= signal.Trigger == TriggerNames.HumanRequest;
                urgent |= signal.Trigger == TriggerNames.Urgency;
                json.WriteStartObject();
                json.WriteString("name", signal.Trigger);
                json.WriteNumber("score", Math.Round(signal.Score, 4));
                json.WriteStartArray("evidence");
                foreach (var evidence in signal.Evidence)
                {
                    json.WriteStringValue(evidence.Text);
                }
                json.WriteEndArray();
                json.WriteString("reason", signal.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteBoolean("requestsHuman", requestsHuman);
            json.WriteBoolean("urgent", urgent);
            json.WriteStartObject("sentiment");
            json.WriteString("label", mood?.Sentiment ?? SentimentLabels.Neutral);
            json.WriteNumber("positive", Math.Round(mood?.ConfidenceScores.Positive ?? 0, 4));
            json.WriteNumber("neutral", Math.Round(mood?.ConfidenceScores.Neutral ?? 1, 4));
            json.WriteNumber("negative", Math.Round(mood?.ConfidenceScores.Negative ?? 0, 4));
            json.WriteEndObject();
            json.WriteString("category", decision.Category);
            json.WriteString("priority", decision.Priority.ToString());
            json.WriteString("reason", decision.Reason);
            if (decision.Model is { } model)
            {
                // The trained heads' calibrated probabilities (absent when Escalation:Model:Enabled is false).
                json.WriteStartObject("model");
                json.WriteNumber("human", Math.Round(model.Human, 4));
                json.WriteNumber("urgent", Math.Round(model.Urgent, 4));
                json.WriteNumber("negative", Math.Round(model.Negative, 4));
                json.WriteNumber("positive", Math.Round(model.Positive, 4));
                json.WriteString("category", model.Category);
                json.WriteNumber("categoryProbability", Math.Round(model.CategoryProbability, 4));
                json.WriteEndObject();
            }
            json.WriteString("detection", decision.Detection);
            if (decision.Language is { } language)
            {
                json.WriteString("language", language);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
