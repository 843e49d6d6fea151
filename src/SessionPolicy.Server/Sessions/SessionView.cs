namespace SessionPolicy.Server.Sessions;

/// <summary>A session as listed: its record, what the current policy would give it, and whether it fits that (null when it cannot be decided again).</summary>
internal sealed record SessionView(SessionRecord Session, int? PolicyMaxSessionSeconds, bool? Compliant);
