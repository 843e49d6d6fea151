using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// The Security Event Tokens (RFC 8417) Shared Signals receivers get, one event per SET, with <c>typ: secevent+jwt</c>:
/// CAEP <c>session-revoked</c> for each session that ended (claims <c>iss</c>, <c>iat</c>, <c>jti</c>, <c>aud</c>,
/// <c>txn</c> the ending's event id, shared by every SET of one ending, <c>sub_id</c> in the receiver's subject format,
/// and the event's <c>event_timestamp</c>, <c>initiating_entity</c> and <c>reason_admin</c>), and SSF
/// <c>verification</c> for a stream's verification request.
/// </summary>
internal sealed class SharedSignalTokens(string issuer, SigningKeys keys, TimeProvider time)
{
    public const string TokenType = "secevent+jwt";

    public const string VerificationEvent = "https://schemas.openid.net/secevent/ssf/event-type/verification";

    public string Issuer => issuer;

    /// <summary>The session-revoked SET of <paramref name="d"/>, one delivery of ending <paramref name="e"/>.</summary>
    public string SessionRevoked(ReceiverSettings receiver, LogoutRecord e, ReceiverDelivery d, string jti) => Render(d.Audiences, jti, new Dictionary<string, object>
    {
        ["txn"] = e.EventId,
        ["sub_id"] = Subject(receiver.SubjectFormat, d.Subject, d.Sid),
        ["events"] = new Dictionary<string, object>
        {
            [SecurityEventTokens.SessionRevoked] = new Dictionary<string, object>
            {
                ["event_timestamp"] = e.OccurredAt.ToUnixTimeSeconds(),
                ["initiating_entity"] = SecurityEventTokens.InitiatingEntity(e.Reason),
                ["reason_admin"] = new Dictionary<string, object> { ["en"] = SecurityEventTokens.ReasonAdmin(e.Reason, e.Detail) },
            },
        },
    });

    /// <summary>The verification SET a stream's receiver asked for, naming the stream as its subject and echoing <paramref name="state"/>.</summary>
    public string Verification(ReceiverSettings receiver, string streamId, string? state, string jti)
    {
        var verification = new Dictionary<string, object>();
        if (!string.IsNullOrEmpty(state)) verification["state"] = state;
        return Render(receiver.Audiences, jti, new Dictionary<string, object>
        {
            ["sub_id"] = new Dictionary<string, object> { ["format"] = "opaque", ["id"] = streamId },
            ["events"] = new Dictionary<string, object> { [VerificationEvent] = verification },
        });
    }

    private string Render(IReadOnlyList<string> audiences, string jti, Dictionary<string, object> claims)
    {
        claims["jti"] = jti;
        claims["aud"] = audiences.Count == 1 ? audiences[0] : audiences.ToArray();
        return keys.Sign(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            IssuedAt = time.GetUtcNow().UtcDateTime,
            TokenType = TokenType,
            Claims = claims,
        });
    }

    /// <summary>
    /// The user in <paramref name="format"/> (RFC 9493): <c>opaque</c> its principal id, <c>iss_sub</c> the principal under
    /// this service as issuer, <c>email</c> the principal id when it is an address (otherwise <c>iss_sub</c>: an address
    /// is never made up). A session minted elsewhere adds its id as the session of a <c>complex</c> subject.
    /// </summary>
    private Dictionary<string, object> Subject(string format, string principal, string? sid)
    {
        Dictionary<string, object> user = format switch
        {
            "email" when IsAddress(principal) => new() { ["format"] = "email", ["email"] = principal },
            "email" or "iss_sub" => new() { ["format"] = "iss_sub", ["iss"] = issuer, ["sub"] = principal },
            _ => new() { ["format"] = "opaque", ["id"] = principal },
        };
        return sid is null ? user : new() { ["format"] = "complex", ["user"] = user, ["session"] = new Dictionary<string, object> { ["format"] = "opaque", ["id"] = sid } };
    }

    private static bool IsAddress(string s)
    {
        var at = s.IndexOf('@');
        return at > 0 && at == s.LastIndexOf('@') && at < s.Length - 1 && !s.Any(char.IsWhiteSpace) && s.AsSpan(at + 1).Contains('.');
    }
}

/// <summary>One token an ending makes for a receiver: to these audiences, about this principal (and session minted elsewhere).</summary>
internal sealed record ReceiverDelivery(IReadOnlyList<string> Audiences, string Subject, string? Sid)
{
    /// <summary>The audiences as one key (jti and logs).</summary>
    public string AudienceKey => string.Join(' ', Audiences);
}
