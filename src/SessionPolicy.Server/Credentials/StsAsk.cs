namespace SessionPolicy.Server.Credentials;

/// <summary>What AssumeRole is asked for beyond the duration, each within the limits real STS enforces.</summary>
internal sealed record StsAsk(
    string RoleArn,
    string RoleSessionName,
    IReadOnlyList<KeyValuePair<string, string>> SessionTags,
    IReadOnlyList<string> TransitiveTagKeys,
    string SourceIdentity,
    string ExternalId,
    string InlinePolicy,
    IReadOnlyList<string> PolicyArns);
