using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>A session the service knows of: who, which role, its limits, its state and where it came from.</summary>
public sealed record SessionRecord
{
    public required string Id { get; init; }
    public required string PrincipalId { get; init; }

    /// <summary>The role ARN; empty for a registered session without a role.</summary>
    public required string RoleArn { get; init; }

    /// <summary>The applications that hold the session and hear of its end.</summary>
    public required IReadOnlyList<string> Audiences { get; init; }

    // Times are kept as UTC ticks (8 bytes, not 16): a registry holds many sessions.
    private long _issued, _expires, _last, _ended;

    public required DateTimeOffset IssuedAt { get => Utc(_issued); init => _issued = value.UtcTicks; }

    /// <summary>The absolute deadline.</summary>
    public required DateTimeOffset ExpiresAt { get => Utc(_expires); init => _expires = value.UtcTicks; }

    /// <summary>Idle timeout in seconds; 0 for none.</summary>
    public required int IdleTimeoutSeconds { get; init; }

    /// <summary>Last user activity (issue time until there is some).</summary>
    public required DateTimeOffset LastActivityAt { get => Utc(_last); init => _last = value.UtcTicks; }

    /// <summary>
    /// How the session came to be: <c>sts</c> for IssueSession, <c>registered</c> for RegisterSession, <see cref="ExternalOrigin"/>
    /// for RegisterSession with the caller's own id.
    /// </summary>
    public required string Origin { get; init; }

    /// <summary>The origin of a session registered under the caller's own id (<c>external_session_id</c>).</summary>
    public const string ExternalOrigin = "external";

    /// <summary>A Session Manager session the service found running: SSM enforces its idle timeout (the service sees no activity), the service its maximum.</summary>
    public const string SsmOrigin = "ssm";

    /// <summary>The decision that set its limits, and its policy version.</summary>
    public required string DecisionId { get; init; }
    public required string PolicyVersion { get; init; }

    /// <summary>The Decide request (protobuf) the session was decided from, so it can be decided again under a new policy or signal.</summary>
    public required byte[] Request { get; init; }

    /// <summary>A session starting now with the limits <paramref name="decision"/> gave it.</summary>
    public static SessionRecord Started(string id, string principalId, string roleArn, IReadOnlyList<string> audiences, string origin,
        Decision decision, byte[] request, DateTimeOffset now) => new()
    {
        Id = id,
        PrincipalId = principalId,
        RoleArn = roleArn,
        Audiences = audiences,
        IssuedAt = now,
        ExpiresAt = now.AddSeconds(decision.MaxSessionSeconds),
        IdleTimeoutSeconds = decision.IdleTimeoutSeconds,
        LastActivityAt = now,
        Origin = origin,
        DecisionId = decision.DecisionId,
        PolicyVersion = decision.PolicyVersion,
        Request = request,
    };

    /// <summary>When the AWS credentials IssueSession handed out for the session expire (null for a session without them); a revision of the session's limits never moves it.</summary>
    public DateTimeOffset? CredentialsExpireAt { get; init; }

    /// <summary>Whether the session is allowed longer than <paramref name="threshold"/> (a long session, audited and counted as such).</summary>
    public bool IsLongerThan(TimeSpan threshold) => ExpiresAt - IssuedAt > threshold;

    /// <summary>The STS SourceIdentity the credentials carry, empty for none.</summary>
    public string SourceIdentity { get; init; } = "";

    public SessionState State { get; init; } = SessionState.Active;
    public LogoutReason EndedReason { get; init; }
    public DateTimeOffset? EndedAt { get => _ended == 0 ? null : Utc(_ended); init => _ended = value?.UtcTicks ?? 0; }

    public bool IsActive => State == SessionState.Active;

    /// <summary>When the session ends unless something changes: the absolute deadline or the idle one, whichever is first.</summary>
    public DateTimeOffset Deadline => IdleTimeoutSeconds > 0 && LastActivityAt.AddSeconds(IdleTimeoutSeconds) < ExpiresAt
        ? LastActivityAt.AddSeconds(IdleTimeoutSeconds)
        : ExpiresAt;

    /// <summary>Why the session ends at <see cref="Deadline"/>.</summary>
    public LogoutReason ExpiryReason => Deadline < ExpiresAt ? LogoutReason.IdleTimeout : LogoutReason.MaxDuration;

    /// <summary>Whether the session is over at <paramref name="now"/>: a session lives while now is before its deadline.</summary>
    public bool IsDueAt(DateTimeOffset now) => IsActive && now >= Deadline;

    /// <summary>Seconds until the idle deadline (0 when ended or without an idle timeout).</summary>
    public int IdleRemainingSeconds(DateTimeOffset now) =>
        !IsActive || IdleTimeoutSeconds == 0 ? 0 : Seconds(LastActivityAt.AddSeconds(IdleTimeoutSeconds) - now);

    /// <summary>Seconds until the absolute deadline (0 when ended).</summary>
    public int AbsoluteRemainingSeconds(DateTimeOffset now) => IsActive ? Seconds(ExpiresAt - now) : 0;

    private static int Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (int)Math.Ceiling(span.TotalSeconds);

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);
}
