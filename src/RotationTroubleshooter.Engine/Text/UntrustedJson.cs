using System.Text.Json;
using System.Text.Json.Serialization;

namespace RotationTroubleshooter.Text;

/// <summary>
/// Every string an AWS JSON answer holds, read through the engine's source-generated contexts
/// (<c>[JsonSourceGenerationOptions(Converters = [typeof(UntrustedStringConverter)])]</c>), so that no field can slip
/// through: one-line text by default (dictionary keys too).
/// </summary>
public sealed class UntrustedStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        UntrustedText.LineOrNull(reader.GetString());

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        UntrustedText.Line(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
}

/// <summary>A multi-line AWS string (a log event's message): tabs and line feeds stay, other controls become visible.</summary>
public sealed class UntrustedLinesConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        UntrustedText.LinesOrNull(reader.GetString());

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>
/// An AWS string that is itself a JSON document (a resource or key policy): the strings inside it are cleaned too, since
/// a <c>\u001b</c> escape in the inner document would turn back into a control character when the checks parse it.
/// Text that is not JSON is cleaned as multi-line text.
/// </summary>
public sealed class UntrustedJsonDocumentConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { } text ? UntrustedJsonDocument.Clean(text) : null;

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>Cleans the strings inside a JSON document held as text (policies from Lambda, KMS, IAM and EC2).</summary>
public static class UntrustedJsonDocument
{
    public static string Clean(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
                Write(document.RootElement, writer);
            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return UntrustedText.Lines(text);
        }
    }

    private static void Write(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(UntrustedText.Line(property.Name));
                    Write(property.Value, writer);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) Write(item, writer);
                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(UntrustedText.Line(element.GetString()!));
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
