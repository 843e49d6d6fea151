using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SessionPolicy.StsEndpoint;

/// <summary>
/// Reads an AssumeRole request and applies the limits real STS applies, in its order: parameter
/// constraints (collected, as AWS reports "N validation errors"), then the role's trust (access denied),
/// then the duration against the role's maximum and role chaining, then the session policy and the
/// packed size of policies and tags.
/// </summary>
public static partial class AssumeRoleRules
{
    public static AssumeRoleCall Read(QueryForm form, StsCaller caller, string region)
    {
        var errors = new List<string>();
        var roleArn = form.Required("RoleArn", "roleArn");
        var name = form.Required("RoleSessionName", "roleSessionName");
        Length(errors, "roleArn", roleArn, 20, 2048);
        Length(errors, "roleSessionName", name, 2, 64);
        Pattern(errors, "roleSessionName", name, SessionName(), @"[\w+=,.@-]*");

        int? duration = null;
        if (form.Optional("DurationSeconds") is { } text)
        {
            if (!int.TryParse(text, out var seconds)) throw new StsError(HttpStatusCode.BadRequest, "InvalidParameterValue", $"Value '{text}' for DurationSeconds is not an integer.");
            if (seconds < 900) errors.Add($"Value '{seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
            if (seconds > 43200) errors.Add($"Value '{seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200");
            duration = seconds;
        }

        var sourceIdentity = form.Optional("SourceIdentity");
        if (sourceIdentity is not null)
        {
            Length(errors, "sourceIdentity", sourceIdentity, 2, 64);
            Pattern(errors, "sourceIdentity", sourceIdentity, SessionName(), @"[\w+=,.@-]*");
        }

        var externalId = form.Optional("ExternalId");
        if (externalId is not null)
        {
            Length(errors, "externalId", externalId, 2, 1224);
            Pattern(errors, "externalId", externalId, ExternalIdPattern(), @"[\w+=,.@:\/-]*");
        }

        var policy = form.Optional("Policy");
        if (policy is not null) Length(errors, "policy", policy, 1, 2048);

        var policyArns = form.Members("PolicyArns", ".arn");
        if (policyArns.Count > 10) errors.Add("Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10");
        foreach (var arn in policyArns) Length(errors, "policyArns.member.arn", arn, 20, 2048);

        var keys = form.Members("Tags", ".Key");
        var tags = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < keys.Count; i++)
        {
            var value = form.Optional($"Tags.member.{i + 1}.Value")
                ?? throw StsError.Validation($"1 validation error detected: Value null at 'tags.{i + 1}.member.value' failed to satisfy constraint: Member must not be null");
            Length(errors, $"tags.{i + 1}.member.key", keys[i], 1, 128);
            Pattern(errors, $"tags.{i + 1}.member.key", keys[i], TagText(), @"[\p{L}\p{Z}\p{N}_.:/=+\-@]+");
            Length(errors, $"tags.{i + 1}.member.value", value, 0, 256);
            if (value.Length > 0) Pattern(errors, $"tags.{i + 1}.member.value", value, TagText(), @"[\p{L}\p{Z}\p{N}_.:/=+\-@]*");
            tags.Add(new(keys[i], value));
        }
        if (tags.Count > 50) errors.Add("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50");
        var transitive = form.Members("TransitiveTagKeys");
        if (transitive.Count > 50) errors.Add("Value at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to 50");
        form.RejectUnread();

        if (errors.Count > 0)
        {
            throw StsError.Validation($"{errors.Count} validation error{(errors.Count == 1 ? "" : "s")} detected: {string.Join("; ", errors)}");
        }
        if (sourceIdentity is not null && sourceIdentity.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            throw StsError.Validation("SourceIdentity cannot start with the prefix 'aws:'.");
        }
        if (tags.Any(t => t.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))) throw StsError.Validation("Tag keys cannot start with the prefix 'aws:'.");
        if (tags.GroupBy(t => t.Key, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1))
        {
            throw StsError.Validation("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
        }
        if (transitive.FirstOrDefault(k => !tags.Any(t => string.Equals(t.Key, k, StringComparison.OrdinalIgnoreCase))) is { } stray)
        {
            throw StsError.Validation($"The specified transitive tag key '{stray}' must be included in the requested tags.");
        }

        return new AssumeRoleCall
        {
            CallerArn = caller.Arn,
            Region = region,
            RoleArn = roleArn,
            RoleSessionName = name,
            DurationSeconds = duration,
            SourceIdentity = sourceIdentity,
            ExternalId = externalId,
            Policy = policy,
            Tags = tags,
            TransitiveTagKeys = transitive,
            PolicyArns = policyArns,
        };
    }

    /// <summary>The checks that need the role: trust, external id, duration, policy document and packed size.</summary>
    public static void Authorize(AssumeRoleCall call, StsCaller caller, StsRole? role, int packedLimitBytes)
    {
        var denied = $"User: {caller.Arn} is not authorized to perform: sts:AssumeRole on resource: {call.RoleArn}";
        if (role is null) throw StsError.AccessDenied(denied);
        if (role.ExternalId is not null && role.ExternalId != call.ExternalId) throw StsError.AccessDenied(denied);

        var duration = call.DurationSeconds ?? 3600;
        if (caller.IsRoleSession && duration > 3600)
        {
            throw StsError.Validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
        }
        if (duration > role.MaxSessionSeconds) throw StsError.Validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");

        if (call.Policy is { } policy && !IsPolicyDocument(policy))
        {
            throw new StsError(HttpStatusCode.BadRequest, "MalformedPolicyDocument", "The policy is not in the valid JSON format.");
        }
        var packed = PackedPercent(call, packedLimitBytes);
        if (packed > 100)
        {
            throw new StsError(HttpStatusCode.BadRequest, "PackedPolicyTooLarge", $"Packed size of tags and policies exceeds the limit by {packed - 100}%.");
        }
    }

    /// <summary>The packed (compressed) size of the session policy, policy ARNs and tags, in percent of the limit.</summary>
    public static int PackedPercent(AssumeRoleCall call, int limitBytes)
    {
        var text = new StringBuilder(call.Policy ?? "");
        foreach (var arn in call.PolicyArns) text.Append(arn);
        foreach (var (k, v) in call.Tags) text.Append(k).Append('=').Append(v);
        if (text.Length == 0) return 0;
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) deflate.Write(Encoding.UTF8.GetBytes(text.ToString()));
        return (int)Math.Ceiling(buffer.Length * 100.0 / limitBytes);
    }

    private static bool IsPolicyDocument(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("Version", out _)
                && json.RootElement.TryGetProperty("Statement", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void Length(List<string> errors, string field, string value, int min, int max)
    {
        if (value.Length < min) errors.Add($"Value '{value}' at '{field}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        if (value.Length > max) errors.Add($"Value at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}");
    }

    private static void Pattern(List<string> errors, string field, string value, Regex regex, string shown)
    {
        if (!regex.IsMatch(value)) errors.Add($"Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: {shown}");
    }

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]*$")]
    private static partial Regex SessionName();

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@:/-]*$")]
    private static partial Regex ExternalIdPattern();

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$")]
    private static partial Regex TagText();
}
