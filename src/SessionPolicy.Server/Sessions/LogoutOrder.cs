using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>A ForceLogout request, read and checked: exactly one of the targets, and why.</summary>
internal sealed record LogoutOrder(string? SessionId, string? PrincipalId, string? RoleArn, LogoutReason Reason, string Actor, string Detail);
