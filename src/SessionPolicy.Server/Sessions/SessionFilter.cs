using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>Which sessions to list; empty fields do not filter.</summary>
public sealed record SessionFilter(string PrincipalId = "", string RoleArn = "", SessionState State = SessionState.Unspecified)
{
    public bool Matches(SessionRecord s) =>
        (PrincipalId.Length == 0 || s.PrincipalId == PrincipalId)
        && (RoleArn.Length == 0 || s.RoleArn == RoleArn)
        && (State == SessionState.Unspecified || s.State == State);
}
