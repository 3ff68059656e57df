using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HandoffBot.Protocol;

/// <summary>
/// Reads any ISO-8601 timestamp and writes it as UTC with a trailing <c>Z</c>, as channels and Web Chat expect.
/// </summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value))
        {
            return value;
        }
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value))
        {
            return value;
        }
        throw new JsonException("Timestamps must be ISO-8601 strings.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> buffer = stackalloc byte[40];
        var utc = value.UtcDateTime;
        // Round-trip format of a UTC DateTime ends in 'Z': 2026-11-24T03:48:52.1234567Z
        utc.TryFormat(buffer, out var written, "O", CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}
