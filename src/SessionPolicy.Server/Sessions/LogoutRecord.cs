using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>One ending as the log keeps it: every session it ended, each with the audiences that hear of it.</summary>
public sealed record LogoutRecord
{
    /// <summary>Position in the log; resuming after it yields the events that follow.</summary>
    public string Cursor { get; init; } = "";
    public required string EventId { get; init; }
    public required LogoutReason Reason { get; init; }
    public required string Actor { get; init; }

    /// <summary>The principal, when the ending concerns one.</summary>
    public required string PrincipalId { get; init; }

    /// <summary>Whether the ending was of a principal's sessions (not of sessions named one by one).</summary>
    public bool ByPrincipal { get; init; }

    /// <summary>The role, when the ending was by role.</summary>
    public required string RoleArn { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string Detail { get; init; }
    public required IReadOnlyList<EndedSession> Sessions { get; init; }

    /// <summary>The event as every subscriber that hears of all its sessions sees it, rendered once and shared.</summary>
    internal V1.LogoutEvent? WholeView { get; set; }
}

/// <summary>
/// A session an event ended, with whom it belonged to; <see cref="IsExternal"/> when its id is the caller's own (the
/// identity provider's session id of a session minted elsewhere), which OIDC Back-Channel Logout sends as <c>sid</c>.
/// <see cref="CredentialsExpireAt"/> and <see cref="SourceIdentity"/> describe the AWS credentials IssueSession handed
/// out for it, so they can be revoked.
/// </summary>
public sealed record EndedSession(string Id, string PrincipalId, string RoleArn, IReadOnlyList<string> Audiences, bool IsExternal = false,
    DateTimeOffset? CredentialsExpireAt = null, string SourceIdentity = "")
{
    public static EndedSession Of(SessionRecord s) =>
        new(s.Id, s.PrincipalId, s.RoleArn, s.Audiences, s.Origin == SessionRecord.ExternalOrigin, s.CredentialsExpireAt, s.SourceIdentity);
}
