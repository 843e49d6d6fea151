namespace SessionPolicy.Server.Security;

/// <summary>An authenticated caller: who, what it may do, which logout audiences it may hear, and until when its token holds.</summary>
internal sealed record Caller(string Name, IReadOnlySet<string> Permissions, IReadOnlySet<string> Audiences, DateTimeOffset ValidUntil);
