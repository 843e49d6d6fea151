namespace SessionPolicy.Server.Signals;

/// <summary>
/// What is known of a principal beyond the request: an active risk signal, and a revocation ("re-authenticate
/// if you authenticated before this time"). <see cref="Stamp"/> changes with every change of either, so a
/// decision made under one state is never served under another.
/// </summary>
internal sealed record PrincipalState(string Stamp, int? RiskScore, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedBefore)
{
    /// <summary>No signal, no revocation.</summary>
    public static readonly PrincipalState None = new("", null, null, null);

    /// <summary>How long a revocation is kept: no session authenticated before it outlives the longest session.</summary>
    public static readonly TimeSpan RevocationLifetime = TimeSpan.FromSeconds(Core.Evaluation.StsLimits.MaxDurationSeconds);

    /// <summary>Whether a request that authenticated at <paramref name="authenticatedAt"/> (unknown counts as before) must re-authenticate.</summary>
    public bool Revokes(DateTimeOffset? authenticatedAt) => RevokedBefore is { } t && !(authenticatedAt >= t);

    /// <summary>The risk signal as stored: <c>STAMP|RISK|EXPIRES-UNIX-MS</c>.</summary>
    public static string EncodeSignal(string stamp, int riskScore, DateTimeOffset expiresAt) => $"{stamp}|{riskScore}|{expiresAt.ToUnixTimeMilliseconds()}";

    /// <summary>The revocation as stored: <c>STAMP|REVOKED-BEFORE-UNIX-MS</c>.</summary>
    public static string EncodeRevocation(string stamp, DateTimeOffset revokedBefore) => $"{stamp}|{revokedBefore.ToUnixTimeMilliseconds()}";

    /// <summary>The state from a stored signal and revocation, either of which may be missing.</summary>
    public static PrincipalState Decode(string? signal, string? revocation)
    {
        var s = signal?.Split('|');
        var r = revocation?.Split('|');
        var hasSignal = s is [{ Length: > 0 }, _, _];
        var hasRevocation = r is [{ Length: > 0 }, _];
        if (!hasSignal && !hasRevocation) return None;
        return new PrincipalState(
            $"{(hasSignal ? s![0] : "")}/{(hasRevocation ? r![0] : "")}",
            hasSignal && int.TryParse(s![1], out var risk) ? risk : null,
            hasSignal && long.TryParse(s![2], out var expires) ? DateTimeOffset.FromUnixTimeMilliseconds(expires) : null,
            hasRevocation && long.TryParse(r![1], out var before) ? DateTimeOffset.FromUnixTimeMilliseconds(before) : null);
    }
}
