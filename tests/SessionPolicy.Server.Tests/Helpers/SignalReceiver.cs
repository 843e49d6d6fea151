using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// A Shared Signals push receiver on loopback (RFC 8935, a real HTTP/1.1 server): takes each SET POSTed as
/// <c>application/secevent+jwt</c>, validates it as a receiver does (signature by a key of the transmitter's set, fetched
/// when a SET arrives; <c>typ: secevent+jwt</c>; <c>iss</c>; one event), records it, and answers what the test told it:
/// 202 otherwise, 400 with <c>{"err","description"}</c>, 503 with <c>Retry-After</c>, or never (it hangs).
/// </summary>
public sealed class SignalReceiver : IAsyncDisposable
{
    /// <summary>An answer that is never given: the request hangs until the caller gives up.</summary>
    public const HttpStatusCode Hang = (HttpStatusCode)999;

    private WebApplication _app = null!;
    private readonly Func<Task<string>> _jwks;
    private readonly string _issuer;
    private readonly Arrivals<Received> _received = new();

    /// <summary>One SET: its claims as read, the event type and body, what it was answered, and why it was invalid (null when valid).</summary>
    public sealed record Received(string Jti, string[] Audiences, string Txn, JsonElement SubId, string EventType, JsonElement Event, string ContentType, string Authorization,
        HttpStatusCode Answer, string? Invalid)
    {
        /// <summary>The principal the SET names: the opaque id, iss_sub's sub or email's address, or a complex subject's user's.</summary>
        public string Principal
        {
            get
            {
                var s = SubId.ValueKind != JsonValueKind.Object ? default : SubId.TryGetProperty("user", out var user) ? user : SubId;
                if (s.ValueKind != JsonValueKind.Object) return "";
                foreach (var member in new[] { "id", "sub", "email" }) if (s.TryGetProperty(member, out var v)) return v.GetString() ?? "";
                return "";
            }
        }

        public string ReasonAdmin => Event.TryGetProperty("reason_admin", out var r) && r.TryGetProperty("en", out var en) ? en.GetString() ?? "" : "";
    }

    private SignalReceiver(Func<Task<string>> jwks, string issuer)
    {
        _jwks = jwks;
        _issuer = issuer;
    }

    /// <summary>Answers to give, in order, before answering 202.</summary>
    public ConcurrentQueue<HttpStatusCode> Answers { get; } = new();

    public string Url { get; private set; } = "";

    public static async Task<SignalReceiver> StartAsync(Func<Task<string>> jwks, string issuer)
    {
        var receiver = new SignalReceiver(jwks, issuer);
        (receiver._app, var port) = await LoopbackHttp.StartAsync(app => app.MapPost("/events", (Func<HttpContext, Task<IResult>>)receiver.ReceiveAsync));
        receiver.Url = $"http://127.0.0.1:{port}/events";
        return receiver;
    }

    /// <summary>Waits until SETs naming each of <paramref name="principals"/> were taken (202); everything received so far.</summary>
    public Task<List<Received>> TakenForAsync(params string[] principals) =>
        _received.UntilAsync(all => principals.All(p => all.Any(r => r.Principal == p && r.Answer == HttpStatusCode.Accepted)));

    /// <summary>Waits until a SET naming <paramref name="principal"/> was received, whatever it was answered.</summary>
    public Task<List<Received>> ReceivedForAsync(string principal) => _received.UntilAsync(all => all.Any(r => r.Principal == principal));

    /// <summary>Waits until <paramref name="count"/> SETs were taken (202).</summary>
    public Task<List<Received>> TakenAsync(int count) => _received.UntilAsync(all => all.Count(r => r.Answer == HttpStatusCode.Accepted) >= count);

    /// <summary>Waits until <paramref name="met"/> holds of what was received.</summary>
    public Task<List<Received>> UntilAsync(Func<IReadOnlyList<Received>, bool> met) => _received.UntilAsync(met);

    public List<Received> Snapshot() => _received.Snapshot();

    /// <summary>Validates <paramref name="set"/> as a receiver does; the token and why it is invalid (null when valid).</summary>
    public static async Task<(JsonWebToken? Token, string? Invalid)> ValidateAsync(string set, string jwks, string issuer)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(set, new TokenValidationParameters
        {
            ValidIssuer = issuer, ValidateAudience = false, IssuerSigningKeys = new JsonWebKeySet(jwks).GetSigningKeys(),
            ValidTypes = ["secevent+jwt"], RequireExpirationTime = false,
        });
        if (!result.IsValid) return (null, result.Exception?.Message ?? "invalid");
        var token = (JsonWebToken)result.SecurityToken;
        if (!token.TryGetPayloadValue<JsonElement>("events", out var events) || events.ValueKind != JsonValueKind.Object || events.EnumerateObject().Count() != 1) return (token, "not one event");
        return (token, null);
    }

    /// <summary>What a SET says, once validated.</summary>
    public static Received Read(JsonWebToken? token, string? invalid, string contentType, string authorization, HttpStatusCode answer)
    {
        if (token is null) return new Received("", [], "", default, "", default, contentType, authorization, answer, invalid);
        var events = token.GetPayloadValue<JsonElement>("events").EnumerateObject().First();
        token.TryGetPayloadValue<string>("txn", out var txn);
        token.TryGetPayloadValue<JsonElement>("sub_id", out var subId);
        return new Received(token.Id, [.. token.Audiences], txn ?? "", subId.Clone(), events.Name, events.Value.Clone(), contentType, authorization, answer, invalid);
    }

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        var answer = Answers.TryDequeue(out var told) ? told : HttpStatusCode.Accepted;
        using var reader = new StreamReader(context.Request.Body);
        var set = await reader.ReadToEndAsync();
        var (token, invalid) = await ValidateAsync(set, await _jwks(), _issuer);
        var received = Read(token, invalid, context.Request.ContentType ?? "", context.Request.Headers.Authorization.ToString(), answer);
        _received.Add(received);
        if (answer == Hang)
        {
            // Recorded as received, never answered: the sender is left mid-delivery.
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
            return Results.StatusCode(503);
        }
        if (answer == HttpStatusCode.BadRequest) return Results.Json(new { err = "invalid_key", description = "the receiver's own words, never relayed" }, statusCode: 400);
        if (answer == HttpStatusCode.ServiceUnavailable) context.Response.Headers.RetryAfter = "0";
        return Results.StatusCode((int)answer);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
