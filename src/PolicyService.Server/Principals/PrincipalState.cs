namespace SessionPolicy.Server.Principals;

/// <summary>
/// What is known of a principal beyond the request: an active risk signal. <see cref="Stamp"/> changes
/// with every change of state, so a decision made under one state is never served under another.
/// </summary>
internal sealed record PrincipalState(string Stamp, int? RiskScore, DateTimeOffset? ExpiresAt)
{
    /// <summary>No active signal.</summary>
    public static readonly PrincipalState None = new("", null, null);

    /// <summary>The state as stored: <c>STAMP|RISK|EXPIRES-UNIX-MS</c>.</summary>
    public string Encode() => $"{Stamp}|{RiskScore}|{ExpiresAt?.ToUnixTimeMilliseconds()}";

    public static PrincipalState Decode(string? value)
    {
        var parts = value?.Split('|');
        if (parts is not [{ Length: > 0 } stamp, var risk, var expires]) return None;
        return new PrincipalState(stamp,
            int.TryParse(risk, out var r) ? r : null,
            long.TryParse(expires, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);
    }
}
