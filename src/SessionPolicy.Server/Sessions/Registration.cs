using SessionPolicy.Core.Evaluation;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// A RegisterSession request, read and checked: the session request to decide, who hears of its end, and the Decide
/// request kept with it. A session the service found running elsewhere (Session Manager) also says when it started and
/// where it comes from.
/// </summary>
internal sealed record Registration(SessionRequest Session, IReadOnlyList<string> Audiences, string ExternalSessionId, byte[] DecideRequest)
{
    /// <summary>When the session started, when before its registration; null for now.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>The session's origin when not RegisterSession's (e.g. <see cref="SessionRecord.SsmOrigin"/>).</summary>
    public string? Origin { get; init; }
}
