using System.Text.Json;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Cli.Report;

/// <summary>An IAM role as <c>aws iam list-roles</c> or <c>aws iam get-role</c> describe it.</summary>
internal sealed record IamRole(RoleArn Arn, string Name, int MaxSessionDuration, IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// The roles of an account from the AWS CLI's JSON: <c>aws iam list-roles</c> (<c>{"Roles": [...]}</c>, or several
/// pages in a JSON array) and, for tags, <c>aws iam get-role</c> (<c>{"Role": {...}}</c>). Every record is checked as IAM
/// would write it (a role ARN, MaxSessionDuration 3600..43200, tags as Key/Value strings); one that is not is an error
/// naming the file and the record, never skipped.
/// </summary>
internal static class RoleInventory
{
    /// <summary>Largest file read.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>IAM's range for a role's MaxSessionDuration, in seconds.</summary>
    public const int MinRoleMaximum = 3600, MaxRoleMaximum = 43200;

    /// <summary>The roles of the list-roles files, with the tags of the get-role files added, by ARN.</summary>
    public static SortedDictionary<string, IamRole> Load(IEnumerable<string> listRoles, IEnumerable<string> getRole)
    {
        var roles = new SortedDictionary<string, IamRole>(StringComparer.Ordinal);
        foreach (var file in listRoles)
        {
            using var document = Parse(file, "the output of 'aws iam list-roles'");
            var root = document.RootElement;
            var pages = root.ValueKind == JsonValueKind.Array ? [.. root.EnumerateArray()] : new[] { root };
            for (var p = 0; p < pages.Length; p++)
            {
                var where = root.ValueKind == JsonValueKind.Array ? $"[{p}]" : "";
                if (pages[p].ValueKind != JsonValueKind.Object || !pages[p].TryGetProperty("Roles", out var list) || list.ValueKind != JsonValueKind.Array)
                {
                    throw new InputFileException(file, where.Length > 0 ? where : "top level", "expected the output of 'aws iam list-roles': an object with a list \"Roles\"");
                }
                var i = 0;
                foreach (var role in list.EnumerateArray())
                {
                    var read = Read(role, file, $"{where}Roles[{i++}]");
                    roles[read.Arn.Value] = read;
                }
            }
        }
        foreach (var file in getRole)
        {
            using var document = Parse(file, "the output of 'aws iam get-role'");
            var items = document.RootElement.ValueKind == JsonValueKind.Array ? [.. document.RootElement.EnumerateArray()] : new[] { document.RootElement };
            for (var i = 0; i < items.Length; i++)
            {
                var where = document.RootElement.ValueKind == JsonValueKind.Array ? $"[{i}]" : "";
                if (items[i].ValueKind != JsonValueKind.Object || !items[i].TryGetProperty("Role", out var role))
                {
                    throw new InputFileException(file, where.Length > 0 ? where : "top level", "expected the output of 'aws iam get-role': an object with a \"Role\"");
                }
                var read = Read(role, file, $"{where}Role");
                // get-role is the fuller answer (list-roles leaves tags out): it wins.
                roles[read.Arn.Value] = read;
            }
        }
        return roles;
    }

    /// <summary>The roles' MaxSessionDuration by ARN (for <c>validate --role-maximums</c>).</summary>
    public static IReadOnlyDictionary<string, int> Maximums(string listRoles) =>
        Load([listRoles], []).ToDictionary(r => r.Key, r => r.Value.MaxSessionDuration, StringComparer.Ordinal);

    private static JsonDocument Parse(string file, string expected)
    {
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists) throw new InputFileException(file, "file", "does not exist");
            if (info.Length > MaxBytes) throw new InputFileException(file, "file", $"larger than {MaxBytes} bytes");
            return JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(file, "file", $"cannot read: {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw new InputFileException(file, $"line {(ex.LineNumber ?? 0) + 1}", $"not JSON (expected {expected})");
        }
    }

    private static IamRole Read(JsonElement role, string file, string where)
    {
        if (role.ValueKind != JsonValueKind.Object) throw new InputFileException(file, where, "is not an object");
        if (!role.TryGetProperty("Arn", out var arnValue) || arnValue.ValueKind != JsonValueKind.String) throw new InputFileException(file, where, "has no Arn");
        if (!RoleArn.TryParse(arnValue.GetString(), out var arn, out var arnError)) throw new InputFileException(file, $"{where}.Arn", arnError);
        if (!role.TryGetProperty("MaxSessionDuration", out var max) || !max.TryGetInt32(out var seconds))
        {
            throw new InputFileException(file, where, $"{arn.Value} has no MaxSessionDuration (an integer of seconds)");
        }
        if (seconds is < MinRoleMaximum or > MaxRoleMaximum)
        {
            throw new InputFileException(file, $"{where}.MaxSessionDuration", $"{seconds} is outside IAM's {MinRoleMaximum}..{MaxRoleMaximum} seconds");
        }
        var name = role.TryGetProperty("RoleName", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : arn.Name;
        if (name != arn.Name) throw new InputFileException(file, $"{where}.RoleName", $"{name} is not the name in {arn.Value}");
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (role.TryGetProperty("Tags", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array) throw new InputFileException(file, $"{where}.Tags", "is not a list");
            var t = 0;
            foreach (var tag in list.EnumerateArray())
            {
                if (tag.ValueKind != JsonValueKind.Object || !tag.TryGetProperty("Key", out var key) || key.ValueKind != JsonValueKind.String
                    || !tag.TryGetProperty("Value", out var value) || value.ValueKind != JsonValueKind.String)
                {
                    throw new InputFileException(file, $"{where}.Tags[{t}]", "is not a {\"Key\": ..., \"Value\": ...} of strings");
                }
                tags[key.GetString()!] = value.GetString()!;
                t++;
            }
        }
        return new IamRole(arn, name, seconds, tags);
    }
}
