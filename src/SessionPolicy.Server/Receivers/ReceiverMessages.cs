using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SessionPolicy.Server.Sessions;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// What each kind of receiver is sent and what its answers mean: which tokens an ending makes for it, their <c>jti</c>,
/// the request body (an OIDC logout token as a form, or a SET as <c>application/secevent+jwt</c>), which answers are
/// taken, and the error code of a refusal (never the receiver's free text).
/// </summary>
internal sealed class ReceiverMessages(LogoutTokens logoutTokens, SharedSignalTokens sets)
{
    public SharedSignalTokens Sets => sets;

    /// <summary>
    /// The tokens an ending makes for a receiver, over the sessions it hears of: one per session minted elsewhere (its id as
    /// <c>sid</c>, with the principal) and one per principal for the others (the service's own session ids mean nothing to
    /// the application). Back-Channel Logout sends one per client id (<c>aud</c> is a single client); a Shared Signals SET
    /// names every audience of the receiver's that the session had.
    /// </summary>
    public static IEnumerable<ReceiverDelivery> Deliveries(LogoutRecord e, Receiver r)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in e.Sessions)
        {
            if (!r.Hears(s.PrincipalId)) continue;
            var audiences = r.Settings.Audiences.Where(a => s.Audiences.Contains(a, StringComparer.Ordinal)).ToArray();
            if (audiences.Length == 0) continue;
            var sid = s.IsExternal ? s.Id : null;
            foreach (var aud in r.Settings.IsSsf ? [audiences] : audiences.Select(a => new[] { a }))
            {
                var d = new ReceiverDelivery(aud, s.PrincipalId, sid);
                if (seen.Add(d.AudienceKey + "\n" + d.Subject + "\n" + d.Sid)) yield return d;
            }
        }
    }

    /// <summary>The same for every attempt at one delivery, different for every other.</summary>
    public static string Jti(string receiver, string eventId, ReceiverDelivery d) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', receiver, eventId, d.AudienceKey, d.Subject + "\n" + d.Sid))))[..32];

    /// <summary>The session-revoked SET of a delivery (push and poll).</summary>
    public string Set(Receiver r, LogoutRecord e, ReceiverDelivery d, string jti) => sets.SessionRevoked(r.Settings, e, d, jti);

    /// <summary>The body of a push.</summary>
    public HttpContent Content(Receiver r, LogoutRecord e, ReceiverDelivery d, string jti) => r.Settings.Kind == ReceiverSettings.OidcBackChannel
        ? new FormUrlEncodedContent([new("logout_token", logoutTokens.Render(d.Audiences[0], d.Sid, d.Subject, jti))])
        : SetContent(Set(r, e, d, jti));

    /// <summary>A SET as RFC 8935 pushes it.</summary>
    public static HttpContent SetContent(string set) => new StringContent(set, Encoding.ASCII, new MediaTypeHeaderValue("application/secevent+jwt"));

    /// <summary>
    /// Whether the answer takes the token: 200 or 204 for Back-Channel Logout (OIDC BCL 1.0, 2.8), 202 for a SET push
    /// (RFC 8935, 2.2), where 200 and 204 are taken too (they are successes, and refusing them would only repeat the push).
    /// </summary>
    public static bool Taken(ReceiverSettings r, HttpStatusCode status) =>
        status is HttpStatusCode.OK or HttpStatusCode.NoContent || (r.IsSsf && status == HttpStatusCode.Accepted);

    /// <summary>
    /// The error code of a refusal (400): <c>error</c> for Back-Channel Logout, <c>err</c> for a SET push (RFC 8935, 2.3), when
    /// it is a short token; the receiver's description is never kept.
    /// </summary>
    public static string RefusalCode(ReceiverSettings r, string body) => ErrorCode(body, r.IsSsf ? "err" : "error");

    /// <summary>A short code from a JSON error body's <paramref name="member"/>, or "(no error code)".</summary>
    public static string ErrorCode(string body, string member)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(member, out var error) && error.ValueKind == JsonValueKind.String
                && IsCode(error.GetString()))
            {
                return error.GetString()!;
            }
        }
        catch (JsonException)
        {
        }
        return "(no error code)";
    }

    /// <summary>An error code fit to record: 1 to 64 of letters, digits, '_', '-' and '.'.</summary>
    public static bool IsCode(string? code) => code is { Length: > 0 and <= 64 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
}
