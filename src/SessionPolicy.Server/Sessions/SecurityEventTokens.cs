using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Security;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// Renders a logout event as a CAEP <c>session-revoked</c> Security Event Token (RFC 8417): a JWS with
/// <c>typ: secevent+jwt</c> and the claims <c>iss</c>, <c>jti</c> (the event id), <c>iat</c>, <c>aud</c> (the
/// subscriber's audiences the event concerns), <c>sub_id</c> and <c>events</c>.
/// </summary>
internal sealed class SecurityEventTokens
{
    public const string SessionRevoked = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";

    private readonly string _issuer;
    private readonly SigningKeys _keys;
    private readonly TimeProvider _time;

    public SecurityEventTokens(IOptions<SecurityEventTokenOptions> options, SigningKeys keys, TimeProvider time)
    {
        _issuer = options.Value.Issuer;
        _time = time;
        _keys = keys;
    }

    public string Render(LogoutEvent e, IEnumerable<string> subscriberAudiences)
    {
        var claims = new Dictionary<string, object>
        {
            ["jti"] = e.EventId,
            ["aud"] = e.Audiences.Count == 1 ? e.Audiences[0] : e.Audiences.ToArray(),
            ["sub_id"] = Subject(e),
            ["events"] = new Dictionary<string, object>
            {
                [SessionRevoked] = new Dictionary<string, object>
                {
                    ["event_timestamp"] = e.OccurredAt.Seconds,
                    ["initiating_entity"] = InitiatingEntity(e.Reason),
                    ["reason_admin"] = new Dictionary<string, object> { ["en"] = ReasonAdmin(e.Reason, e.Detail) },
                },
            },
        };
        return _keys.Sign(new SecurityTokenDescriptor
        {
            Issuer = _issuer,
            IssuedAt = _time.GetUtcNow().UtcDateTime,
            TokenType = "secevent+jwt",
            Claims = claims,
        });
    }

    /// <summary>One session: the session and its user; several of one principal: the user; several principals (by role): the role.</summary>
    private static Dictionary<string, object> Subject(LogoutEvent e)
    {
        static Dictionary<string, object> Opaque(string id) => new() { ["format"] = "opaque", ["id"] = id };
        if (e.SessionIds.Count == 1)
        {
            var complex = new Dictionary<string, object> { ["format"] = "complex", ["session"] = Opaque(e.SessionIds[0]) };
            if (e.PrincipalId.Length > 0) complex["user"] = Opaque(e.PrincipalId);
            return complex;
        }
        if (e.PrincipalId.Length > 0) return new Dictionary<string, object> { ["format"] = "complex", ["user"] = Opaque(e.PrincipalId) };
        return Opaque(e.RoleArn);
    }

    /// <summary>CAEP initiating_entity: admin, user, policy or system.</summary>
    public static string InitiatingEntity(LogoutReason reason) => reason switch
    {
        LogoutReason.Admin or LogoutReason.PrincipalDisabled => "admin",
        LogoutReason.PolicyChanged or LogoutReason.RiskSignal => "policy",
        _ => "system",
    };

    /// <summary>CAEP reason_admin text (in English): the reason, and what the actor said, if anything.</summary>
    public static string ReasonAdmin(LogoutReason reason, string detail) => detail.Length > 0 ? $"{reason}: {detail}" : reason.ToString();
}
