namespace SessionPolicy.StsEndpoint;

/// <summary>A role the endpoint lets callers assume: its MaxSessionDuration and, optionally, the external id its trust policy requires.</summary>
public sealed record StsRole(string Arn, int MaxSessionSeconds = 3600, string? ExternalId = null);
