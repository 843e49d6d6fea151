using System.Text.RegularExpressions;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.V1;

namespace SessionPolicy.Mapping;

/// <summary>
/// Checks the STS details of an <see cref="IssueSessionRequest"/> against the limits real STS enforces
/// (which emulators do not), recording every bad field, so nothing AWS would refuse is sent.
/// </summary>
public static partial class IssueSessionReader
{
    /// <summary>The session tag that carries the session id into CloudTrail; callers may not set it.</summary>
    public const string SessionIdTag = "sessionpolicy:session-id";

    /// <summary>Session tags a caller may set: the STS maximum less the session id tag.</summary>
    public const int MaxCallerTags = StsLimits.MaxSessionTags - 1;

    public static void Validate(IssueSessionRequest request, FieldViolations errors)
    {
        Name(errors, "role_session_name", request.RoleSessionName, required: true);
        if (request.SourceIdentity.Length > 0)
        {
            Name(errors, "source_identity", request.SourceIdentity, required: false);
            if (request.SourceIdentity.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)) errors.Add("source_identity", "must not start with \"aws:\"");
        }

        Tags(request, errors);

        if (request.ExternalId.Length > 0)
        {
            if (request.ExternalId.Length is < StsLimits.MinExternalIdLength or > StsLimits.MaxExternalIdLength)
            {
                errors.Add("external_id", $"must be {StsLimits.MinExternalIdLength}..{StsLimits.MaxExternalIdLength} characters");
            }
            else if (!ExternalIdChars().IsMatch(request.ExternalId)) errors.Add("external_id", "may contain only letters, digits and _+=,.@:/-");
        }

        if (request.PolicyArns.Count > StsLimits.MaxPolicyArns) errors.Add("policy_arns", $"has {request.PolicyArns.Count} entries; STS allows at most {StsLimits.MaxPolicyArns}");
        for (var i = 0; i < request.PolicyArns.Count && i < StsLimits.MaxPolicyArns; i++)
        {
            var arn = request.PolicyArns[i];
            if (arn.Length is < StsLimits.MinArnLength or > StsLimits.MaxArnLength || !PolicyArn().IsMatch(arn))
            {
                errors.Add($"policy_arns[{i}]", "is not an IAM policy ARN (arn:aws:iam::<account or aws>:policy/<name>)");
            }
        }

        if (request.InlinePolicy.Length > StsLimits.MaxInlinePolicyLength)
        {
            errors.Add("inline_policy", $"is {request.InlinePolicy.Length} characters; STS allows at most {StsLimits.MaxInlinePolicyLength}");
        }
        else if (request.InlinePolicy.Length > 0 && !PolicyChars().IsMatch(request.InlinePolicy))
        {
            errors.Add("inline_policy", "may contain only tab, line breaks and characters U+0020..U+00FF");
        }
    }

    private static void Tags(IssueSessionRequest request, FieldViolations errors)
    {
        if (request.SessionTags.Count > MaxCallerTags)
        {
            errors.Add("session_tags", $"has {request.SessionTags.Count} entries; at most {MaxCallerTags} (STS allows {StsLimits.MaxSessionTags}, one carries the session id)");
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in request.SessionTags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var field = $"session_tags[{(key.Length <= 32 ? key : key[..32] + "...")}]";
            if (key.Length is 0 or > StsLimits.MaxTagKeyLength) errors.Add(field, $"key must be 1..{StsLimits.MaxTagKeyLength} characters");
            else if (!TagChars().IsMatch(key)) errors.Add(field, "key may contain only letters, digits, spaces and _.:/=+-@");
            else if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)) errors.Add(field, "key must not start with \"aws:\"");
            else if (string.Equals(key, SessionIdTag, StringComparison.OrdinalIgnoreCase)) errors.Add(field, "is set by the service itself");
            else if (!seen.Add(key)) errors.Add(field, "repeats another key: tag keys are case-insensitive");
            if (value.Length > StsLimits.MaxTagValueLength) errors.Add(field, $"value is longer than {StsLimits.MaxTagValueLength} characters");
            else if (value.Length > 0 && !TagChars().IsMatch(value)) errors.Add(field, "value may contain only letters, digits, spaces and _.:/=+-@");
        }

        if (request.TransitiveTagKeys.Count > StsLimits.MaxSessionTags) errors.Add("transitive_tag_keys", $"has more than {StsLimits.MaxSessionTags} entries");
        for (var i = 0; i < request.TransitiveTagKeys.Count && i < StsLimits.MaxSessionTags; i++)
        {
            var key = request.TransitiveTagKeys[i];
            if (!request.SessionTags.Keys.Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"transitive_tag_keys[{i}]", "must be one of the session_tags keys");
            }
        }
    }

    private static void Name(FieldViolations errors, string field, string value, bool required)
    {
        if (value.Length == 0 && required) errors.Add(field, "is required");
        else if (value.Length is < StsLimits.MinNameLength or > StsLimits.MaxNameLength) errors.Add(field, $"must be {StsLimits.MinNameLength}..{StsLimits.MaxNameLength} characters");
        else if (!NameChars().IsMatch(value)) errors.Add(field, "may contain only letters, digits and _+=,.@-");
    }

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]+$")]
    private static partial Regex NameChars();

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@:/-]+$")]
    private static partial Regex ExternalIdChars();

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$")]
    private static partial Regex TagChars();

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]+$")]
    private static partial Regex PolicyArn();

    [GeneratedRegex(@"^[\t\n\r\u0020-\u00FF]+$")]
    private static partial Regex PolicyChars();
}
