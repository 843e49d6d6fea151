namespace SessionPolicy.Server.Credentials;

/// <summary>STS is not configured: IssueSession is refused, never pretended.</summary>
internal sealed class UnconfiguredSessionIssuer : ISessionIssuer
{
    public Task<IssuedSession> IssueAsync(IssueOrder order, CancellationToken cancellationToken) =>
        throw ServiceFailure.Precondition(
            $"IssueSession needs AWS STS, which is not configured: set {StsOptions.Section}:Region (and {StsOptions.Section}:ServiceUrl for an STS-compatible endpoint); credentials come from the AWS SDK's default chain");
}
