using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// An OIDC relying party on loopback (a real HTTP/1.1 server): validates each logout token POSTed to it as a real one
/// does (OIDC Back-Channel Logout 1.0, section 2.6: signature by a key of the set, <c>typ</c>, <c>iss</c>, <c>aud</c>,
/// <c>exp</c>, the back-channel event, no <c>nonce</c>), records it, and answers what the test told it (200 otherwise).
/// </summary>
public sealed class RelyingParty : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly Func<string> _jwks;
    private readonly string _issuer;
    private readonly string _clientId;
    private readonly Arrivals<Received> _received = new();

    public sealed record Received(string Jti, string Audience, string Subject, string? Sid, string Authorization, HttpStatusCode Answer, string? Invalid);

    private RelyingParty(Func<string> jwks, string issuer, string clientId)
    {
        _jwks = jwks;
        _issuer = issuer;
        _clientId = clientId;
    }

    /// <summary>Answers to give, in order, before answering 200.</summary>
    public ConcurrentQueue<HttpStatusCode> Answers { get; } = new();

    public string Url { get; private set; } = "";

    /// <summary>Starts one; <paramref name="jwks"/> gives the key set to validate with when a token arrives.</summary>
    public static async Task<RelyingParty> StartAsync(Func<string> jwks, string issuer, string clientId = "app-a")
    {
        var rp = new RelyingParty(jwks, issuer, clientId);
        (rp._app, var port) = await LoopbackHttp.StartAsync(app => app.MapPost("/backchannel", (Func<HttpContext, Task<IResult>>)rp.ReceiveAsync));
        rp.Url = $"http://127.0.0.1:{port}/backchannel";
        return rp;
    }

    /// <summary>Waits until <paramref name="count"/> tokens were taken (answered 200); everything received so far.</summary>
    public Task<List<Received>> TakenAsync(int count) => _received.UntilAsync(all => all.Count(r => r.Answer == HttpStatusCode.OK) >= count);

    /// <summary>Waits until a token for each of <paramref name="subjects"/> was taken; everything received so far.</summary>
    public Task<List<Received>> TakenForAsync(params string[] subjects) =>
        _received.UntilAsync(all => subjects.All(s => all.Any(r => r.Subject == s && r.Answer == HttpStatusCode.OK)));

    /// <summary>Waits until a token was answered 400.</summary>
    public Task<List<Received>> UntilRefusedAsync() => _received.UntilAsync(all => all.Any(r => r.Answer == HttpStatusCode.BadRequest));

    public List<Received> Snapshot() => _received.Snapshot();

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(form["logout_token"].ToString(), new TokenValidationParameters
        {
            ValidIssuer = _issuer, ValidAudience = _clientId, IssuerSigningKeys = new JsonWebKeySet(_jwks()).GetSigningKeys(),
            ValidTypes = ["logout+jwt"], RequireExpirationTime = true,
        });
        var token = result.IsValid ? (JsonWebToken)result.SecurityToken : null;
        var invalid = !result.IsValid ? result.Exception?.Message ?? "invalid"
            : token!.TryGetPayloadValue<object>("nonce", out _) ? "nonce present"
            : !token.TryGetPayloadValue<object>("events", out var events) || !events.ToString()!.Contains("http://schemas.openid.net/event/backchannel-logout") ? "no back-channel logout event"
            : null;
        var answer = Answers.TryDequeue(out var told) ? told : HttpStatusCode.OK;
        var sid = token is not null && token.TryGetPayloadValue<string>("sid", out var s) ? s : null;
        _received.Add(new Received(token?.Id ?? "", token?.Audiences.Single() ?? "", token?.Subject ?? "", sid, context.Request.Headers.Authorization.ToString(), answer, invalid));
        return answer == HttpStatusCode.BadRequest ? Results.Json(new { error = "invalid_request" }, statusCode: 400) : Results.StatusCode((int)answer);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
