namespace SessionPolicy.Server.Telemetry;

/// <summary>Source-generated log messages with stable event ids. No secret is ever an argument.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Policy loaded from {Source}: version {Version}, {Profiles} profiles, {Guardrails} guardrails")]
    public static partial void PolicyLoaded(ILogger logger, string source, string version, int profiles, int guardrails);

    [LoggerMessage(2, LogLevel.Warning, "Policy {Source}:{Line}:{Column}: warning: {Path}: {Message}")]
    public static partial void PolicyWarning(ILogger logger, string source, int line, int column, string path, string message);

    [LoggerMessage(3, LogLevel.Error, "Policy {Source}:{Line}:{Column}: error: {Path}: {Message}")]
    public static partial void PolicyError(ILogger logger, string source, int line, int column, string path, string message);

    [LoggerMessage(4, LogLevel.Error, "Policy {Source} (version {Version}) refused with {ErrorCount} errors; still serving version {ServingVersion}")]
    public static partial void PolicyRejected(ILogger logger, string source, string version, int errorCount, string servingVersion);

    [LoggerMessage(6, LogLevel.Error, "Unhandled error in {Method}")]
    public static partial void UnhandledError(ILogger logger, string method, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Shared store unavailable for {Operation} ({Reason}); deciding locally")]
    public static partial void SharedStoreFailed(ILogger logger, string operation, string reason);

    [LoggerMessage(8, LogLevel.Information, "Session {SessionId} issued for {PrincipalId} on {RoleArn}: {DurationSeconds}s, idle {IdleSeconds}s, decision {DecisionId}")]
    public static partial void SessionIssued(ILogger logger, string sessionId, string principalId, string roleArn, int durationSeconds, int idleSeconds, string decisionId);

    [LoggerMessage(61, LogLevel.Warning, "Redis does not keep what it acknowledges ({State}): acknowledged logouts and revocations could be lost; enable appendonly or add a replica")]
    public static partial void StoreNotDurable(ILogger logger, string state);

    [LoggerMessage(63, LogLevel.Warning, "{What} was written to the Redis primary, but {Confirmed} of the {Required} replicas required confirmed it in time: answered UNAVAILABLE")]
    public static partial void ReplicasBehind(ILogger logger, string what, long confirmed, int required);

    [LoggerMessage(62, LogLevel.Information, "Carried {Keys} keys of the earlier Redis key layout into the current one (signals, revocations, sessions, the logout log)")]
    public static partial void LayoutUpgraded(ILogger logger, int keys);

    [LoggerMessage(60, LogLevel.Error, "Session {SessionId} for {PrincipalId} on {RoleArn} was issued by STS ({AssumedRoleArn}) but could not be registered ({Cause}); its credentials were not handed out and expire unused at {Expiration}")]
    public static partial void IssuedNotRegistered(ILogger logger, string sessionId, string principalId, string roleArn, string assumedRoleArn, DateTimeOffset expiration, string cause);

    [LoggerMessage(9, LogLevel.Warning, "STS refused {RoleArn} for {PrincipalId}: {ErrorCode} (request {RequestId})")]
    public static partial void StsRefused(ILogger logger, string roleArn, string principalId, string errorCode, string requestId);

    [LoggerMessage(10, LogLevel.Warning, "STS refused {RefusedSeconds}s for {RoleArn} as above its MaxSessionDuration; retrying at {LearnedSeconds}s and remembering it")]
    public static partial void RoleMaximumLearned(ILogger logger, string roleArn, int refusedSeconds, int learnedSeconds);

    [LoggerMessage(11, LogLevel.Warning, "STS refused {RefusedSeconds}s for {RoleArn} as role chaining: the service's credentials are a role session; retrying at 3600s")]
    public static partial void RoleChainingLearned(ILogger logger, string roleArn, int refusedSeconds);

    [LoggerMessage(12, LogLevel.Warning, "STS could not be reached for {RoleArn}: {Reason}")]
    public static partial void StsUnreachable(ILogger logger, string roleArn, string reason);

    [LoggerMessage(13, LogLevel.Information, "STS identity of the service: {Arn} (role session: {RoleSession})")]
    public static partial void StsIdentity(ILogger logger, string arn, bool roleSession);

    [LoggerMessage(14, LogLevel.Warning, "STS identity of the service unknown ({Reason}: {Message}); assuming no role chaining until it is known")]
    public static partial void StsIdentityUnknown(ILogger logger, string reason, string message);

    [LoggerMessage(15, LogLevel.Information, "Session {SessionId} registered for {PrincipalId} on {RoleArn}: {MaxSeconds}s, idle {IdleSeconds}s")]
    public static partial void SessionRegistered(ILogger logger, string sessionId, string principalId, string roleArn, int maxSeconds, int idleSeconds);

    [LoggerMessage(16, LogLevel.Information, "{Count} sessions ended ({Reason}) by {Actor}: event {EventId}")]
    public static partial void SessionsEnded(ILogger logger, int count, string reason, string actor, string eventId);

    [LoggerMessage(64, LogLevel.Warning, "{Count} sessions ended ({Reason}) by {Actor} at {EndedAt:o}, logged only now as event {EventId}: a fault held the event back")]
    public static partial void PendingEndingLogged(ILogger logger, int count, string reason, string actor, DateTimeOffset endedAt, string eventId);

    [LoggerMessage(65, LogLevel.Debug, "Receiver {Receiver} took event {EventId} for {ClientId} (attempt {Attempt})")]
    public static partial void ReceiverDelivered(ILogger logger, string receiver, string eventId, string clientId, int attempt);

    [LoggerMessage(66, LogLevel.Warning, "Receiver {Receiver} refused event {EventId} for {ClientId} for good (400, error {Error}); going on with the next")]
    public static partial void ReceiverRefusedToken(ILogger logger, string receiver, string eventId, string clientId, string error);

    [LoggerMessage(67, LogLevel.Warning, "Receiver {Receiver} did not take event {EventId} for {ClientId} ({Why}); trying again in {WaitMs:0} ms")]
    public static partial void ReceiverRetrying(ILogger logger, string receiver, string eventId, string clientId, string why, double waitMs);

    [LoggerMessage(68, LogLevel.Error, "Receiver {Receiver} missed events the log no longer holds ({Detail}); delivering from the oldest it holds")]
    public static partial void ReceiverMissedEvents(ILogger logger, string receiver, string detail);

    [LoggerMessage(69, LogLevel.Warning, "Receiver {Receiver}: the shared store failed ({Cause}); trying again")]
    public static partial void ReceiverStoreFailed(ILogger logger, string receiver, string cause);

    [LoggerMessage(70, LogLevel.Error, "Registered receiver {Receiver} does not read from the shared store (altered, or its authorization header sealed under another key); not delivering to it")]
    public static partial void ReceiverUnreadable(ILogger logger, string receiver);

    [LoggerMessage(71, LogLevel.Information, "Receiver {Receiver} ({Kind}) {Change} by {Actor}")]
    public static partial void ReceiverChanged(ILogger logger, string receiver, string kind, string change, string actor);

    [LoggerMessage(72, LogLevel.Information, "Receiver {Receiver} polled: {Offered} SETs offered, {Acknowledged} acknowledged, {Refused} reported in error")]
    public static partial void ReceiverPolled(ILogger logger, string receiver, int offered, int acknowledged, int refused);

    [LoggerMessage(17, LogLevel.Information, "Policy {Version} applied to {Sessions} running sessions; {Ended} ended")]
    public static partial void PolicyApplied(ILogger logger, string version, int sessions, int ended);

    [LoggerMessage(18, LogLevel.Error, "Session sweep failed; retrying at the next tick")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(19, LogLevel.Error, "Applying policy {Version} to running sessions failed")]
    public static partial void PolicyApplyFailed(ILogger logger, string version, Exception exception);

    [LoggerMessage(20, LogLevel.Warning, "Logout feed could not read the log ({Reason}); retrying")]
    public static partial void FeedReadFailed(ILogger logger, string reason);

    [LoggerMessage(22, LogLevel.Warning, "Callers are NOT authenticated: anyone who can reach {Urls} may decide, issue sessions and end them. Set SessionPolicy:Auth to require tokens or client certificates.")]
    public static partial void Unauthenticated(ILogger logger, string urls);

    [LoggerMessage(21, LogLevel.Error, "Audit records could not be written: {Reason}")]
    public static partial void AuditWriteFailed(ILogger logger, string reason);

    [LoggerMessage(23, LogLevel.Information, "Token signing keys fetched from {Url}: {Count} keys")]
    public static partial void JwksFetched(ILogger logger, string url, int count);

    [LoggerMessage(24, LogLevel.Warning, "Token signing keys could not be fetched from {Url} ({Reason}); keeping the {Count} keys fetched before")]
    public static partial void JwksFailed(ILogger logger, string url, string reason, int count);

    [LoggerMessage(25, LogLevel.Warning, "SessionPolicy:Auth:ClientCaFile is set but no endpoint serves HTTPS ({Urls}): no client certificate can arrive")]
    public static partial void CertificatesWithoutHttps(ILogger logger, string urls);

    [LoggerMessage(26, LogLevel.Debug, "Refused a request to {Method} as INVALID_ARGUMENT: {Reason}")]
    public static partial void MalformedRequest(ILogger logger, string method, string reason);
}
