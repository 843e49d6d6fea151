using System.Text.Json;
using Google.Protobuf.Reflection;
using SessionPolicy.Mapping;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// Checks a JSON-transcoded request body against its message before the transcoder parses it, so a value that cannot be
/// the field's type (an enum name the contract does not have, a string where a number goes, a body that is not JSON) is
/// refused as INVALID_ARGUMENT with a <c>google.rpc.BadRequest</c> naming the field, as the gRPC path names its fields
/// (proto names, <c>requests[0].principal.type</c>). Fields the contract does not know are left for the transcoder to drop.
/// Nesting is bounded by <see cref="MaxDepth"/>.
/// </summary>
internal static class JsonBodyCheck
{
    public const int MaxDepth = 32;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Records what is wrong with <paramref name="body"/> as <paramref name="message"/> in <paramref name="errors"/>.</summary>
    public static void Check(ReadOnlyMemory<byte> body, MessageDescriptor message, FieldViolations errors)
    {
        if (body.IsEmpty) return;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Options);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            errors.Add("body", $"is not JSON of at most {MaxDepth} levels{where}");
            return;
        }
        using (document) Message(document.RootElement, message, "", errors);
    }

    private static void Message(JsonElement value, MessageDescriptor message, string path, FieldViolations errors)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(path.Length == 0 ? "body" : path, $"must be a JSON object ({message.Name})");
            return;
        }
        foreach (var property in value.EnumerateObject())
        {
            var field = message.FindFieldByName(property.Name) ?? message.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == property.Name);
            if (field is null) continue;
            var at = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            if (property.Value.ValueKind == JsonValueKind.Null) continue;
            if (field.IsMap)
            {
                if (property.Value.ValueKind != JsonValueKind.Object) { errors.Add(at, "must be a JSON object"); continue; }
                var valueField = field.MessageType.FindFieldByNumber(2);
                foreach (var entry in property.Value.EnumerateObject()) Single(entry.Value, valueField, $"{at}[{entry.Name}]", errors);
            }
            else if (field.IsRepeated)
            {
                if (property.Value.ValueKind != JsonValueKind.Array) { errors.Add(at, "must be a JSON array"); continue; }
                var i = 0;
                foreach (var item in property.Value.EnumerateArray()) Single(item, field, $"{at}[{i++}]", errors);
            }
            else
            {
                Single(property.Value, field, at, errors);
            }
        }
    }

    private static void Single(JsonElement value, FieldDescriptor field, string path, FieldViolations errors)
    {
        var fits = field.FieldType switch
        {
            FieldType.Message => WellKnown(value, field.MessageType, path, errors),
            FieldType.Enum => value.ValueKind == JsonValueKind.String
                ? field.EnumType.FindValueByName(value.GetString()!) is not null
                : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _),
            FieldType.String => value.ValueKind == JsonValueKind.String,
            FieldType.Bool => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            FieldType.Bytes => value.ValueKind == JsonValueKind.String && IsBase64(value.GetString()!),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Integer(value, s => int.TryParse(s, out _), v => v.TryGetInt32(out _)),
            FieldType.UInt32 or FieldType.Fixed32 => Integer(value, s => uint.TryParse(s, out _), v => v.TryGetUInt32(out _)),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Integer(value, s => long.TryParse(s, out _), v => v.TryGetInt64(out _)),
            FieldType.UInt64 or FieldType.Fixed64 => Integer(value, s => ulong.TryParse(s, out _), v => v.TryGetUInt64(out _)),
            FieldType.Float or FieldType.Double => value.ValueKind == JsonValueKind.Number
                || value.ValueKind == JsonValueKind.String && (value.GetString() is "NaN" or "Infinity" or "-Infinity" || double.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out _)),
            _ => true,
        };
        if (fits) return;
        errors.Add(path, field.FieldType == FieldType.Enum
            ? $"must be one of {string.Join(", ", field.EnumType.Values.Select(v => v.Name))}"
            : $"must be {Expected(field)}");
    }

    /// <summary>A message field: the JSON forms of the well-known types, or an object checked field by field (true: nothing more to say here).</summary>
    private static bool WellKnown(JsonElement value, MessageDescriptor type, string path, FieldViolations errors)
    {
        switch (type.FullName)
        {
            case "google.protobuf.Timestamp":
                return value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out _);
            case "google.protobuf.Duration":
                return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 1 } d && d[^1] == 's'
                    && decimal.TryParse(d[..^1], System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out _);
            case "google.protobuf.Struct" or "google.protobuf.Value" or "google.protobuf.ListValue" or "google.protobuf.Any":
                return true;
            default:
                if (type.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal) && type.FullName.EndsWith("Value", StringComparison.Ordinal))
                {
                    Single(value, type.FindFieldByNumber(1), path, errors);
                    return true;
                }
                Message(value, type, path, errors);
                return true;
        }
    }

    private static bool Integer(JsonElement value, Func<string, bool> parse, Func<JsonElement, bool> number) =>
        value.ValueKind == JsonValueKind.Number ? number(value) : value.ValueKind == JsonValueKind.String && parse(value.GetString()!);

    private static bool IsBase64(string s)
    {
        var buffer = new byte[(s.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(s, buffer, out _) || Convert.TryFromBase64String(s.Replace('-', '+').Replace('_', '/').PadRight((s.Length + 3) / 4 * 4, '='), buffer, out _);
    }

    private static string Expected(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => "a string",
        FieldType.Bool => "true or false",
        FieldType.Bytes => "base64 text",
        FieldType.Float or FieldType.Double => "a number",
        FieldType.Message when field.MessageType.FullName == "google.protobuf.Timestamp" => "an RFC 3339 time, such as 2026-01-02T03:04:05Z",
        FieldType.Message when field.MessageType.FullName == "google.protobuf.Duration" => "a duration in seconds, such as \"900s\"",
        _ => "an integer of its range",
    };
}
