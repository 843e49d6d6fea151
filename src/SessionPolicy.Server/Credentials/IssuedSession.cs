using SessionPolicy.V1;

namespace SessionPolicy.Server.Credentials;

/// <summary>What IssueSession produced: STS's credentials (secrets, never logged or stored), the assumed role, the decision and the session id.</summary>
internal sealed record IssuedSession(Amazon.SecurityToken.Model.Credentials Credentials, DateTimeOffset Expiration, string AssumedRoleArn, Decision Decision, string SessionId);
