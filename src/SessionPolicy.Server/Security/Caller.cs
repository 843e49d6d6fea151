namespace SessionPolicy.Server.Security;

/// <summary>An authenticated caller: who, what it may do, which logout audiences it may hear, and until when its credential holds.</summary>
internal sealed record Caller(string Name, IReadOnlySet<string> Permissions, IReadOnlySet<string> Audiences, DateTimeOffset ValidUntil)
{
    /// <summary>The caller for rate limits and stream caps, made once.</summary>
    public string LimitKey { get; } = "caller " + Name;
}
