using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Security;

/// <summary>Token signing keys from a JWKS URL served over real HTTP: fetched on first use, refreshed when a token names a new key, never hammered.</summary>
public sealed class JwksTests : IAsyncLifetime
{
    private const string Issuer = TestTokens.Issuer;
    private const string Audience = TestTokens.Audience;
    private readonly ECDsa _first = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private WebApplication _issuer = null!;
    private string _jwks = "";
    private int _fetches;
    private PolicyServiceFactory _server = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // HTTP/1.1 as issuers serve it (the service's own settings beside the tests make endpoints HTTP/2 only).
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2));
        builder.Logging.ClearProviders();
        _issuer = builder.Build();
        _issuer.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref _fetches);
            return _jwks.Length == 0 ? Results.StatusCode(503) : Results.Text(_jwks, "application/json");
        });
        await _issuer.StartAsync();
        var url = _issuer.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/jwks";
        _server = new PolicyServiceFactory(Sample.OneHourPolicy, _clock, new Dictionary<string, string?>
        {
            ["SessionPolicy:Auth:Issuer"] = Issuer,
            ["SessionPolicy:Auth:Audience"] = Audience,
            ["SessionPolicy:Auth:JwksUrl"] = url,
        });
    }

    public async Task DisposeAsync()
    {
        _server.Dispose();
        await _issuer.DisposeAsync();
        _first.Dispose();
        _second.Dispose();
    }

    private static string KeySet(params (string Id, ECDsa Key)[] keys) => JsonSerializer.Serialize(new
    {
        keys = keys.Select(k =>
        {
            var p = k.Key.ExportParameters(includePrivateParameters: false);
            return new { kty = "EC", crv = "P-256", use = "sig", alg = "ES256", kid = k.Id, x = Base64UrlEncoder.Encode(p.Q.X), y = Base64UrlEncoder.Encode(p.Q.Y) };
        }),
    });

    private string Token(string keyId, ECDsa key) =>
        TestTokens.Create(key, "gateway-1", ["decide"], expires: _clock.GetUtcNow().UtcDateTime.AddMinutes(10), keyId: keyId);

    private async Task<Status> Decide(string token) =>
        await EveryRpc.StatusOf(_server.Channel, "Decide", new Metadata { { "authorization", $"Bearer {token}" } });

    [Fact]
    public async Task TokenSignedByAPublishedKey_IsAccepted_WithOneFetch()
    {
        _jwks = KeySet(("k1", _first));

        Assert.Equal(Status.DefaultSuccess, await Decide(Token("k1", _first)));
        Assert.Equal(StatusCode.OK, (await Decide(Token("k1", _first) + "")).StatusCode);

        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task RotatedKey_IsFetchedWhenATokenNamesIt_AtMostEveryThirtySeconds()
    {
        _jwks = KeySet(("k1", _first));
        Assert.Equal(StatusCode.OK, (await Decide(Token("k1", _first))).StatusCode);
        _jwks = KeySet(("k1", _first), ("k2", _second));

        // Within 30 seconds of the last fetch an unknown key is refused without asking the issuer again.
        _clock.Advance(TimeSpan.FromSeconds(29));
        var early = await Decide(Token("k2", _second));
        Assert.Equal((StatusCode.Unauthenticated, "credential refused: the token's signature is not from a trusted key"), (early.StatusCode, early.Detail));
        Assert.Equal(1, _fetches);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(StatusCode.OK, (await Decide(Token("k2", _second))).StatusCode);
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task KeySet_IsFetchedAgainAfterTheRefreshPeriod_AndAWithdrawnKeyStopsWorking()
    {
        _jwks = KeySet(("k1", _first), ("k2", _second));
        Assert.Equal(StatusCode.OK, (await Decide(Token("k2", _second))).StatusCode);
        _jwks = KeySet(("k1", _first));

        _clock.Advance(TimeSpan.FromMinutes(10));
        var withdrawn = await Decide(Token("k2", _second));

        Assert.Equal(StatusCode.Unauthenticated, withdrawn.StatusCode);
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task IssuerUnreachable_RefusesTokens_AndRecoversWhenItAnswers()
    {
        var refused = await Decide(Token("k1", _first));
        Assert.Equal((StatusCode.Unauthenticated, "credential refused: the token's signature is not from a trusted key"), (refused.StatusCode, refused.Detail));

        _jwks = KeySet(("k1", _first));
        _clock.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(StatusCode.OK, (await Decide(Token("k1", _first))).StatusCode);
    }

    [Theory]
    [InlineData("http://idp.example.com/jwks")]
    [InlineData("not a url")]
    public void JwksUrl_NotHttpsOffLoopback_RefusesToStart(string url)
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?>
        {
            ["SessionPolicy:Auth:Issuer"] = Issuer,
            ["SessionPolicy:Auth:Audience"] = Audience,
            ["SessionPolicy:Auth:JwksUrl"] = url,
        });

        var ex = Assert.ThrowsAny<Exception>(() => server.Server);

        Assert.Contains($"SessionPolicy:Auth:JwksUrl must be an absolute https URL (http only on loopback), not '{url}'", ex.ToString());
    }
}
