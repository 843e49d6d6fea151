namespace SessionPolicy.Server.Sessions;

/// <summary>A page of sessions and the last id on it when more follow.</summary>
internal sealed record SessionPage(IReadOnlyList<SessionView> Sessions, string? LastIdWhenMore);
