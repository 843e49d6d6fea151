using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// What to end and why. Exactly one target: <see cref="SessionIds"/>, <see cref="PrincipalId"/> or
/// <see cref="RoleArn"/>. Only active sessions end; with <see cref="OnlyIfDue"/> only those whose deadline
/// has passed at <see cref="At"/>, each with its own expiry reason.
/// </summary>
public sealed record EndRequest
{
    public IReadOnlyList<string>? SessionIds { get; init; }
    public string? PrincipalId { get; init; }
    public string? RoleArn { get; init; }
    public required LogoutReason Reason { get; init; }
    public required string Actor { get; init; }
    public string Detail { get; init; } = "";
    public required DateTimeOffset At { get; init; }
    public bool OnlyIfDue { get; init; }
}

/// <summary>Whose endings: the sessions named, a principal's or a role's (one of the three).</summary>
public sealed record EndTarget(IReadOnlyList<string>? SessionIds, string? PrincipalId, string? RoleArn);

/// <summary>The sessions an <see cref="EndRequest"/> ended and the event recorded for them (null when none ended).</summary>
public sealed record EndResult(IReadOnlyList<SessionRecord> Ended, LogoutRecord? Event)
{
    public static readonly EndResult Nothing = new([], null);
}
