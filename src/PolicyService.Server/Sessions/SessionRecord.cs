namespace SessionPolicy.Server.Sessions;

/// <summary>A session the service knows of: who, which role, its limits and where it came from.</summary>
public sealed record SessionRecord
{
    public required string Id { get; init; }
    public required string PrincipalId { get; init; }
    public required string RoleArn { get; init; }
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>The absolute deadline.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Idle timeout in seconds; 0 for none.</summary>
    public required int IdleTimeoutSeconds { get; init; }

    public required DateTimeOffset LastActivityAt { get; init; }

    /// <summary>How the session came to be: <c>sts</c> for IssueSession, <c>registered</c> for RegisterSession.</summary>
    public required string Origin { get; init; }

    /// <summary>The decision that set its limits.</summary>
    public required string DecisionId { get; init; }

    /// <summary>The policy version of that decision.</summary>
    public required string PolicyVersion { get; init; }
}
