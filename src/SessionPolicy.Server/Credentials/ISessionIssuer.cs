namespace SessionPolicy.Server.Credentials;

/// <summary>Issues a session's AWS credentials for a checked request; with STS not configured, refuses saying which setting to set.</summary>
internal interface ISessionIssuer
{
    Task<IssuedSession> IssueAsync(IssueOrder order, CancellationToken cancellationToken);
}
