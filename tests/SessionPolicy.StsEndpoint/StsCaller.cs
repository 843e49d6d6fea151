namespace SessionPolicy.StsEndpoint;

/// <summary>An access key the endpoint accepts, the secret that signs with it, and the identity it belongs to.</summary>
public sealed record StsCaller(string AccessKeyId, string SecretAccessKey, string Arn)
{
    /// <summary>Whether the identity is itself a role session, so what it assumes is role chaining.</summary>
    public bool IsRoleSession => Arn.Contains(":assumed-role/", StringComparison.Ordinal);

    public string Account => Arn.Split(':')[4];
}
