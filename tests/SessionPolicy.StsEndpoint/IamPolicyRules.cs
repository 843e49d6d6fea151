using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SessionPolicy.StsEndpoint;

/// <summary>
/// What IAM checks of an identity-based policy document, as strictly as IAM: JSON, the grammar (Version, Statement, Sid,
/// Effect, Action, Resource, Condition with known operators), no Principal, unique Sids, and the size IAM counts
/// (characters outside white space).
/// </summary>
public static partial class IamPolicyRules
{
    /// <summary>IAM's limit for all of a role's inline policies together.</summary>
    public const int RoleInlineLimit = 10_240;

    private static readonly HashSet<string> Operators =
    [
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
        "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
        "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
    ];

    /// <summary>The characters IAM counts: all but white space.</summary>
    public static int Size(string document) => document.Count(c => !char.IsWhiteSpace(c));

    public static void Check(string document)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(document, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            throw Malformed("Syntax errors in policy.");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Malformed("Syntax errors in policy.");
            foreach (var p in root.EnumerateObject())
            {
                if (p.Name is not ("Version" or "Id" or "Statement")) throw Malformed($"Policy document contains an unknown element: {p.Name}.");
            }
            if (root.TryGetProperty("Version", out var version) && version.GetString() is not ("2012-10-17" or "2008-10-17"))
            {
                throw Malformed("The policy failed legacy parsing");
            }
            if (!root.TryGetProperty("Statement", out var statements)) throw Malformed("Policy document must contain a Statement.");
            var list = statements.ValueKind switch
            {
                JsonValueKind.Array when statements.GetArrayLength() > 0 => statements.EnumerateArray().ToList(),
                JsonValueKind.Object => [statements],
                _ => throw Malformed("Statement must be an object or a non-empty list."),
            };
            var sids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in list) CheckStatement(s, sids);
        }
    }

    private static void CheckStatement(JsonElement s, HashSet<string> sids)
    {
        if (s.ValueKind != JsonValueKind.Object) throw Malformed("Syntax errors in policy.");
        foreach (var p in s.EnumerateObject())
        {
            if (p.Name is "Principal" or "NotPrincipal") throw Malformed("Policy document should not specify a principal.");
            if (p.Name is not ("Sid" or "Effect" or "Action" or "NotAction" or "Resource" or "NotResource" or "Condition")) throw Malformed($"Statement contains an unknown element: {p.Name}.");
        }
        if (s.TryGetProperty("Sid", out var sid))
        {
            if (sid.ValueKind != JsonValueKind.String || !SidPattern().IsMatch(sid.GetString()!)) throw Malformed("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*");
            if (sid.GetString()!.Length > 0 && !sids.Add(sid.GetString()!)) throw Malformed("Statement IDs (SID) in a single policy must be unique.");
        }
        if (!s.TryGetProperty("Effect", out var effect) || effect.GetString() is not ("Allow" or "Deny")) throw Malformed("Effect must be Allow or Deny.");
        var actions = Strings(s, "Action", "NotAction", "Policy statement must contain actions.");
        if (actions.Any(a => !ActionPattern().IsMatch(a))) throw Malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
        var resources = Strings(s, "Resource", "NotResource", "Policy statement must contain resources.");
        if (resources.Any(r => r != "*" && !r.StartsWith("arn:", StringComparison.Ordinal))) throw Malformed("Resource must be in ARN format or \"*\".");
        if (s.TryGetProperty("Condition", out var condition)) CheckCondition(condition);
    }

    private static List<string> Strings(JsonElement s, string name, string notName, string missing)
    {
        var has = s.TryGetProperty(name, out var value);
        var hasNot = s.TryGetProperty(notName, out var notValue);
        if (has == hasNot) throw Malformed(missing);
        var v = has ? value : notValue;
        return v.ValueKind switch
        {
            JsonValueKind.String => [v.GetString()!],
            JsonValueKind.Array when v.GetArrayLength() > 0 && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. v.EnumerateArray().Select(e => e.GetString()!)],
            _ => throw Malformed("Syntax errors in policy."),
        };
    }

    private static void CheckCondition(JsonElement condition)
    {
        if (condition.ValueKind != JsonValueKind.Object) throw Malformed("Syntax errors in policy.");
        foreach (var op in condition.EnumerateObject())
        {
            var name = op.Name;
            if (name.StartsWith("ForAnyValue:", StringComparison.Ordinal) || name.StartsWith("ForAllValues:", StringComparison.Ordinal)) name = name[(name.IndexOf(':') + 1)..];
            if (name.EndsWith("IfExists", StringComparison.Ordinal)) name = name[..^"IfExists".Length];
            if (!Operators.Contains(name)) throw Malformed($"Invalid Condition type : {op.Name}.");
            if (op.Value.ValueKind != JsonValueKind.Object) throw Malformed("Syntax errors in policy.");
            foreach (var key in op.Value.EnumerateObject())
            {
                if (!ConditionKey().IsMatch(key.Name)) throw Malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
                var values = key.Value.ValueKind == JsonValueKind.Array ? [.. key.Value.EnumerateArray()] : new List<JsonElement> { key.Value };
                if (values.Count == 0 || values.Any(v => v.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)))
                {
                    throw Malformed("Syntax errors in policy.");
                }
                if (name.StartsWith("Date", StringComparison.Ordinal) && values.Any(v => v.ValueKind != JsonValueKind.String
                    || !DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)))
                {
                    throw Malformed($"The policy contains an invalid date value for {key.Name}.");
                }
            }
        }
    }

    private static StsError Malformed(string message) => new(HttpStatusCode.BadRequest, "MalformedPolicyDocument", message);

    [GeneratedRegex("^[0-9A-Za-z]*$")]
    private static partial Regex SidPattern();

    [GeneratedRegex(@"^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")]
    private static partial Regex ActionPattern();

    [GeneratedRegex(@"^[A-Za-z0-9-]+:\S+$")]
    private static partial Regex ConditionKey();
}
