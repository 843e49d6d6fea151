namespace SessionPolicy.Server.Sessions;

/// <summary>A RecordActivity request, read and checked: user activity extends the idle deadline, background activity does not.</summary>
internal sealed record ActivityReport(string SessionId, bool User);
