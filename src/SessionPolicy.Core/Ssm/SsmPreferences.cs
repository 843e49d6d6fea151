using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Core.Ssm;

/// <summary>Where Session Manager sends session logs: the logging inputs of the preferences document, from configuration.</summary>
public sealed record SsmLogging
{
    public string S3BucketName { get; init; } = "";
    public string S3KeyPrefix { get; init; } = "";
    public bool S3EncryptionEnabled { get; init; } = true;
    public string CloudWatchLogGroupName { get; init; } = "";
    public bool CloudWatchEncryptionEnabled { get; init; } = true;
    public bool CloudWatchStreamingEnabled { get; init; } = true;
    public string KmsKeyId { get; init; } = "";

    /// <summary>What SSM would refuse in these inputs (empty: nothing), each naming the input.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        // S3 bucket names: 3..63 of lower-case letters, digits, '.' and '-', starting and ending with a letter or digit.
        if (S3BucketName.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(S3BucketName, "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"))
        {
            problems.Add("s3BucketName must be an S3 bucket name: 3 to 63 of a-z, 0-9, '.' and '-'");
        }
        if (S3KeyPrefix.Length > 1024) problems.Add("s3KeyPrefix must be at most 1024 characters");
        if (S3KeyPrefix.Length > 0 && S3BucketName.Length == 0) problems.Add("s3KeyPrefix needs s3BucketName");
        // CloudWatch Logs group names: 1..512 of letters, digits and _-/.#
        if (CloudWatchLogGroupName.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(CloudWatchLogGroupName, @"^[\w\-/.#]{1,512}$"))
        {
            problems.Add("cloudWatchLogGroupName must be 1 to 512 of letters, digits and _-/.#");
        }
        if (KmsKeyId.Length > 2048 || KmsKeyId.Any(char.IsWhiteSpace)) problems.Add("kmsKeyId must be a KMS key id, ARN or alias without white space");
        return problems;
    }
}

/// <summary>What Session Manager sessions get in an environment: idle and maximum minutes, and the profiles the policy chose them from.</summary>
public sealed record SsmLimits(string Environment, int IdleMinutes, int MaxMinutes, IReadOnlyList<string> Profiles);

/// <summary>
/// The Session Manager preferences (the <c>SSM-SessionManagerRunShell</c> Session document) the policy implies for an
/// environment. They are derived from the human profiles of that environment: what the policy decides for a person
/// signed in as they should be (<see cref="SignIns.Favourable"/>), the shortest of those, in whole minutes rounded down
/// (never longer than the policy), within SSM's ranges (idle 1..60, maximum 1..1440). A profile without an idle timeout
/// gets SSM's longest, 60 minutes; a policy that denies people there gets the shortest, 1 minute.
/// </summary>
public static class SsmPreferences
{
    /// <summary>The Session document Session Manager reads its preferences from, in each region.</summary>
    public const string DocumentName = "SSM-SessionManagerRunShell";

    public const int MinIdleMinutes = 1, MaxIdleMinutes = 60, MinMaxMinutes = 1, MaxMaxMinutes = 1440;

    /// <summary>The role ARN evaluated for Session Manager: a session to a node is no role's, so only principal and environment rules apply to it.</summary>
    public static readonly RoleArn SessionRole = RoleArn.TryParse("arn:aws:iam::000000000000:role/session-manager", out var arn, out _) ? arn : throw new InvalidOperationException();

    /// <summary>What the policy gives a person's Session Manager session in <paramref name="environment"/>.</summary>
    public static SsmLimits Limits(PolicyEngine engine, string environment)
    {
        int? shortest = null, idle = null;
        var denied = false;
        var profiles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var request in SignIns.Favourable("session-manager-user", PrincipalKind.Human, SessionRole, SessionRequest.NoAttributes, environment))
        {
            var decision = engine.Evaluate(request);
            profiles.Add(decision.Profile);
            if (decision.Outcome == Outcome.Deny)
            {
                denied = true;
                continue;
            }
            shortest = Math.Min(shortest ?? int.MaxValue, decision.MaxSessionSeconds);
            if (decision.IdleTimeoutSeconds > 0) idle = Math.Min(idle ?? int.MaxValue, decision.IdleTimeoutSeconds);
        }
        if (denied || shortest is null) return new SsmLimits(environment, MinIdleMinutes, MinMaxMinutes, [.. profiles]);
        return new SsmLimits(environment,
            Math.Clamp((idle ?? MaxIdleMinutes * 60) / 60, MinIdleMinutes, MaxIdleMinutes),
            Math.Clamp(shortest.Value / 60, MinMaxMinutes, MaxMaxMinutes),
            [.. profiles]);
    }

    /// <summary>The Session document's content (JSON, as <c>aws ssm update-document --content</c> takes it).</summary>
    public static string Render(SsmLimits limits, SsmLogging logging)
    {
        var document = new JsonObject
        {
            ["schemaVersion"] = "1.0",
            ["description"] = $"Session Manager preferences for {(limits.Environment.Length > 0 ? limits.Environment : "every environment")}, from the session policy",
            ["sessionType"] = "Standard_Stream",
            ["inputs"] = new JsonObject
            {
                ["s3BucketName"] = logging.S3BucketName,
                ["s3KeyPrefix"] = logging.S3KeyPrefix,
                ["s3EncryptionEnabled"] = logging.S3EncryptionEnabled,
                ["cloudWatchLogGroupName"] = logging.CloudWatchLogGroupName,
                ["cloudWatchEncryptionEnabled"] = logging.CloudWatchEncryptionEnabled,
                ["cloudWatchStreamingEnabled"] = logging.CloudWatchStreamingEnabled,
                ["kmsKeyId"] = logging.KmsKeyId,
                ["runAsEnabled"] = false,
                ["runAsDefaultUser"] = "",
                ["idleSessionTimeout"] = limits.IdleMinutes.ToString(CultureInfo.InvariantCulture),
                ["maxSessionDuration"] = limits.MaxMinutes.ToString(CultureInfo.InvariantCulture),
                ["shellProfile"] = new JsonObject { ["windows"] = "", ["linux"] = "" },
            },
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// What SSM would refuse in a Session document's content, or what differs from the service's, as problems (empty: SSM
    /// takes it): schema version 1.0, session type Standard_Stream, the minutes as whole numbers in SSM's ranges, the
    /// encryption flags as booleans.
    /// </summary>
    public static IReadOnlyList<string> Check(string content)
    {
        var problems = new List<string>();
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(content, documentOptions: new JsonDocumentOptions { MaxDepth = 16 }) as JsonObject;
        }
        catch (JsonException)
        {
            return ["the content is not JSON"];
        }
        if (root is null) return ["the content is not a JSON object"];
        if (Text(root["schemaVersion"]) != "1.0") problems.Add("schemaVersion must be \"1.0\"");
        if (Text(root["sessionType"]) != "Standard_Stream") problems.Add("sessionType must be \"Standard_Stream\"");
        if (root["inputs"] is not JsonObject inputs)
        {
            problems.Add("inputs must be an object");
            return problems;
        }
        Minutes(inputs, "idleSessionTimeout", MinIdleMinutes, MaxIdleMinutes, problems);
        Minutes(inputs, "maxSessionDuration", MinMaxMinutes, MaxMaxMinutes, problems);
        foreach (var flag in new[] { "s3EncryptionEnabled", "cloudWatchEncryptionEnabled", "cloudWatchStreamingEnabled", "runAsEnabled" })
        {
            if (inputs[flag] is { } value && !(value is JsonValue v && (v.TryGetValue<bool>(out _) || Text(v) is "true" or "false"))) problems.Add($"inputs.{flag} must be true or false");
        }
        return problems;
    }

    /// <summary>The idle and maximum minutes a Session document holds; null for one that is not valid.</summary>
    public static (int Idle, int Max)? ReadLimits(string content)
    {
        if (Check(content).Count > 0) return null;
        var inputs = (JsonNode.Parse(content)!["inputs"] as JsonObject)!;
        return (int.Parse(Text(inputs["idleSessionTimeout"]) ?? "20", CultureInfo.InvariantCulture), int.Parse(Text(inputs["maxSessionDuration"]) ?? "1440", CultureInfo.InvariantCulture));
    }

    /// <summary>Whether two Session documents set the same preferences (their inputs, schema and type; descriptions and formatting aside).</summary>
    public static bool SameSettings(string a, string b)
    {
        try
        {
            var x = JsonNode.Parse(a) as JsonObject;
            var y = JsonNode.Parse(b) as JsonObject;
            if (x is null || y is null) return false;
            return Text(x["schemaVersion"]) == Text(y["schemaVersion"]) && Text(x["sessionType"]) == Text(y["sessionType"])
                && JsonNode.DeepEquals(Normalised(x["inputs"]), Normalised(y["inputs"]));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Inputs with every scalar as its text, so <c>true</c> and <c>"true"</c>, <c>20</c> and <c>"20"</c> compare equal, as SSM reads them.</summary>
    private static JsonNode? Normalised(JsonNode? inputs)
    {
        if (inputs is not JsonObject o) return inputs?.DeepClone();
        var copy = new JsonObject();
        foreach (var (key, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            copy[key] = value switch
            {
                JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
                JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(CultureInfo.InvariantCulture),
                JsonObject inner => Normalised(inner),
                _ => value?.DeepClone(),
            };
        }
        return copy;
    }

    private static void Minutes(JsonObject inputs, string name, int min, int max, List<string> problems)
    {
        if (inputs[name] is null) return;
        var text = Text(inputs[name]);
        if (text is null || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes < min || minutes > max)
        {
            problems.Add($"inputs.{name} must be a whole number of minutes from {min} to {max}");
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
