using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Speedera.Core.Configuration;

/// <summary>
/// Writes a <see cref="TimeSpan"/> as a JSON number of seconds: whole seconds as an integer,
/// otherwise the exact decimal fraction (100 ns ticks, so at most seven decimals).
/// </summary>
internal sealed class SecondsTimeSpanConverter : JsonConverter<TimeSpan>
{
    private const decimal TicksPerSecond = TimeSpan.TicksPerSecond;

    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException("A duration must be a number of seconds.");
        }

        var seconds = reader.GetDecimal();
        var ticks = seconds * TicksPerSecond;
        if (ticks != decimal.Truncate(ticks) || ticks > long.MaxValue || ticks < long.MinValue)
        {
            throw new JsonException($"Duration {seconds.ToString(CultureInfo.InvariantCulture)} s is not a whole number of 100 ns ticks.");
        }

        return TimeSpan.FromTicks((long)ticks);
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options)
    {
        if (value.Ticks % TimeSpan.TicksPerSecond == 0)
        {
            writer.WriteNumberValue(value.Ticks / TimeSpan.TicksPerSecond);
            return;
        }

        var seconds = value.Ticks / TicksPerSecond;
        writer.WriteRawValue(seconds.ToString("0.#######", CultureInfo.InvariantCulture), skipInputValidation: true);
    }
}

/// <summary>
/// Writes instants in UTC with a fixed seven-digit fraction so the same instant always gives the
/// same characters, whatever offset it was created with.
/// </summary>
internal sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("An instant must be a string.");
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}
