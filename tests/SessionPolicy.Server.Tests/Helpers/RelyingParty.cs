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
    private readonly List<Received> _received = [];
    private readonly List<(Func<bool> Met, TaskCompletionSource Done)> _waiters = [];

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
    public Task<List<Received>> TakenAsync(int count) => UntilAsync(() => Taken >= count);

    /// <summary>Waits until a token for each of <paramref name="subjects"/> was taken; everything received so far.</summary>
    public Task<List<Received>> TakenForAsync(params string[] subjects) =>
        UntilAsync(() => subjects.All(s => _received.Any(r => r.Subject == s && r.Answer == HttpStatusCode.OK)));

    /// <summary>Waits until a token was answered 400.</summary>
    public Task<List<Received>> UntilRefusedAsync() => UntilAsync(() => _received.Any(r => r.Answer == HttpStatusCode.BadRequest));

    private async Task<List<Received>> UntilAsync(Func<bool> met)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_received)
        {
            if (met()) done.TrySetResult();
            else _waiters.Add((met, done));
        }
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return Snapshot();
    }

    public List<Received> Snapshot()
    {
        lock (_received) return [.. _received];
    }

    private int Taken => _received.Count(r => r.Answer == HttpStatusCode.OK);

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
        lock (_received)
        {
            var sid = token is not null && token.TryGetPayloadValue<string>("sid", out var s) ? s : null;
            _received.Add(new Received(token?.Id ?? "", token?.Audiences.Single() ?? "", token?.Subject ?? "", sid, context.Request.Headers.Authorization.ToString(), answer, invalid));
            foreach (var w in _waiters.Where(w => w.Met()).ToList())
            {
                w.Done.TrySetResult();
                _waiters.Remove(w);
            }
        }
        return answer == HttpStatusCode.BadRequest ? Results.Json(new { error = "invalid_request" }, statusCode: 400) : Results.StatusCode((int)answer);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
