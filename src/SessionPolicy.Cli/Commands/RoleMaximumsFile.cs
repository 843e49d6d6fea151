using System.Text.Json;

namespace SessionPolicy.Cli.Commands;

/// <summary>
/// Reads the roles' MaxSessionDuration from the output of <c>aws iam list-roles</c> (<c>{"Roles": [{"Arn": ..., "MaxSessionDuration": 3600}]}</c>),
/// or from several such pages concatenated in a JSON array.
/// </summary>
internal static class RoleMaximumsFile
{
    /// <summary>Largest file read.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    public static IReadOnlyDictionary<string, int>? Load(FileInfo file, TextWriter error)
    {
        try
        {
            if (file.Length > MaxBytes)
            {
                error.WriteLine($"{file.FullName}: larger than {MaxBytes} bytes");
                return null;
            }
            using var document = JsonDocument.Parse(File.ReadAllBytes(file.FullName), new JsonDocumentOptions { MaxDepth = 16 });
            var roles = new Dictionary<string, int>(StringComparer.Ordinal);
            var pages = document.RootElement.ValueKind == JsonValueKind.Array ? [.. document.RootElement.EnumerateArray()] : new[] { document.RootElement };
            foreach (var page in pages)
            {
                if (page.ValueKind != JsonValueKind.Object || !page.TryGetProperty("Roles", out var list) || list.ValueKind != JsonValueKind.Array)
                {
                    error.WriteLine($"{file.FullName}: expected the output of 'aws iam list-roles': an object with a list \"Roles\"");
                    return null;
                }
                foreach (var role in list.EnumerateArray())
                {
                    if (role.ValueKind == JsonValueKind.Object && role.TryGetProperty("Arn", out var arn) && arn.ValueKind == JsonValueKind.String &&
                        role.TryGetProperty("MaxSessionDuration", out var max) && max.TryGetInt32(out var seconds))
                    {
                        roles[arn.GetString()!] = seconds;
                    }
                }
            }
            return roles;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{file.FullName}: cannot read: {ex.Message}");
            return null;
        }
        catch (JsonException)
        {
            error.WriteLine($"{file.FullName}: not JSON (expected the output of 'aws iam list-roles')");
            return null;
        }
    }
}
