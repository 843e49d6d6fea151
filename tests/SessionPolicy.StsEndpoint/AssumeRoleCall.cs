namespace SessionPolicy.StsEndpoint;

/// <summary>What one AssumeRole request carried, as the endpoint parsed it, and how it was answered.</summary>
public sealed record AssumeRoleCall
{
    public required string CallerArn { get; init; }
    public required string Region { get; init; }
    public required string RoleArn { get; init; }
    public required string RoleSessionName { get; init; }
    public int? DurationSeconds { get; init; }
    public string? SourceIdentity { get; init; }
    public string? ExternalId { get; init; }
    public string? Policy { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];
    public IReadOnlyList<string> TransitiveTagKeys { get; init; } = [];
    public IReadOnlyList<string> PolicyArns { get; init; } = [];

    /// <summary>The error code sent back, or null for success.</summary>
    public string? ErrorCode { get; set; }
}
