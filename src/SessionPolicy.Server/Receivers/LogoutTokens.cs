using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Security;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// OpenID Connect Back-Channel Logout 1.0 logout tokens (section 2.4): a JWT with <c>typ: logout+jwt</c>, the claims
/// <c>iss</c>, <c>aud</c> (the relying party's client id), <c>iat</c>, <c>exp</c> (two minutes later: the
/// specification recommends a short life), <c>jti</c>, <c>events</c> holding the back-channel logout event, and
/// <c>sid</c> and/or <c>sub</c>; never <c>nonce</c>, which the relying party must reject.
/// </summary>
internal sealed class LogoutTokens(string issuer, SigningKeys keys, TimeProvider time)
{
    public const string BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout";

    public const string TokenType = "logout+jwt";

    /// <summary>How long a logout token is valid for.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The token telling <paramref name="clientId"/> that a session ended; <paramref name="jti"/> is the same for every
    /// attempt at one delivery, so a relying party can recognise a repeat. At least one of <paramref name="sid"/> and
    /// <paramref name="subject"/> is required.
    /// </summary>
    public string Render(string clientId, string? sid, string? subject, string jti)
    {
        if (string.IsNullOrEmpty(sid) && string.IsNullOrEmpty(subject)) throw new ArgumentException("a logout token names a session (sid), a subject (sub), or both");
        var now = time.GetUtcNow();
        var claims = new Dictionary<string, object>
        {
            ["jti"] = jti,
            ["events"] = new Dictionary<string, object> { [BackChannelLogoutEvent] = new Dictionary<string, object>() },
        };
        if (!string.IsNullOrEmpty(sid)) claims["sid"] = sid;
        if (!string.IsNullOrEmpty(subject)) claims["sub"] = subject;
        return keys.Sign(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = clientId,
            IssuedAt = now.UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            TokenType = TokenType,
            Claims = claims,
        });
    }
}
