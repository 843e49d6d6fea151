using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;

namespace SessionPolicy.Server.Tests.Receivers;

/// <summary>
/// OIDC Back-Channel Logout tokens, validated as a relying party validates them (Microsoft.IdentityModel, keys from the
/// service's JSON Web Key Set), and the key set across a rotation.
/// </summary>
public sealed class LogoutTokenTests : IDisposable
{
    private const string Issuer = "https://session-policy.example.com";
    private readonly List<string> _files = [];
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    public void Dispose()
    {
        foreach (var f in _files) File.Delete(f);
    }

    private string KeyFile(string pem)
    {
        var path = Path.Combine(Path.GetTempPath(), $"signing-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, pem);
        _files.Add(path);
        return path;
    }

    private static string NewKey(string kind) => kind == "ES256"
        ? ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem()
        : RSA.Create(2048).ExportRSAPrivateKeyPem();

    private static SigningKeys Keys(string keyFile, params string[] previous) =>
        new(Microsoft.Extensions.Options.Options.Create(new SecurityEventTokenOptions { Issuer = Issuer, KeyFile = keyFile, PreviousKeyFiles = previous }));

    /// <summary>What a relying party checks (OIDC Back-Channel Logout 1.0, section 2.6), with keys from the published set.</summary>
    private static async Task<JsonWebToken> ValidateAsRelyingPartyAsync(string token, string jwks, string clientId = "portal")
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = clientId,
            IssuerSigningKeys = new JsonWebKeySet(jwks).GetSigningKeys(),
            ValidTypes = [LogoutTokens.TokenType],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.False(jwt.TryGetPayloadValue<object>("nonce", out _), "a logout token must not carry a nonce");
        var events = JsonDocument.Parse(jwt.GetPayloadValue<object>("events").ToString()!).RootElement;
        Assert.Equal(JsonValueKind.Object, events.GetProperty(LogoutTokens.BackChannelLogoutEvent).ValueKind);
        Assert.True(jwt.TryGetPayloadValue<string>("sid", out _) || jwt.TryGetPayloadValue<string>("sub", out _), "neither sid nor sub");
        return jwt;
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public async Task LogoutToken_PassesARelyingPartysChecks(string algorithm)
    {
        var keys = Keys(KeyFile(NewKey(algorithm)));
        var tokens = new LogoutTokens(Issuer, keys, _clock);

        var jwt = await ValidateAsRelyingPartyAsync(tokens.Render("portal", sid: "idp-session-1", subject: "alice", jti: "event-1"), keys.Jwks);

        Assert.Equal(algorithm, jwt.Alg);
        Assert.Equal("logout+jwt", jwt.Typ);
        Assert.Equal(keys.Signing.Key.KeyId, jwt.Kid);
        Assert.Equal("idp-session-1", jwt.GetPayloadValue<string>("sid"));
        Assert.Equal("alice", jwt.Subject);
        Assert.Equal("event-1", jwt.Id);
        Assert.Equal(["portal"], jwt.Audiences);
        Assert.Equal(TimeSpan.FromMinutes(2), jwt.ValidTo - jwt.IssuedAt);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds(), new DateTimeOffset(jwt.IssuedAt).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task LogoutToken_WithOnlyASubjectOrOnlyASession_IsValid_WithNeither_IsNotMade()
    {
        var keys = Keys(KeyFile(NewKey("ES256")));
        var tokens = new LogoutTokens(Issuer, keys, _clock);

        var bySubject = await ValidateAsRelyingPartyAsync(tokens.Render("portal", sid: null, subject: "alice", jti: "e"), keys.Jwks);
        var bySession = await ValidateAsRelyingPartyAsync(tokens.Render("portal", sid: "s", subject: null, jti: "e"), keys.Jwks);

        Assert.False(bySubject.TryGetPayloadValue<string>("sid", out _));
        Assert.False(bySession.TryGetPayloadValue<string>("sub", out _));
        Assert.Throws<ArgumentException>(() => tokens.Render("portal", sid: "", subject: null, jti: "e"));
    }

    [Fact]
    public async Task LogoutToken_ForAnotherClient_IsRefusedByTheRelyingParty()
    {
        var keys = Keys(KeyFile(NewKey("ES256")));
        var token = new LogoutTokens(Issuer, keys, _clock).Render("console", sid: "s", subject: null, jti: "e");

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer, ValidAudience = "portal", IssuerSigningKeys = new JsonWebKeySet(keys.Jwks).GetSigningKeys(),
        });

        Assert.False(result.IsValid);
    }

    [Fact]
    public async Task Rotation_ATokenSignedBeforeItStillVerifies_AndTheNewKeySigns()
    {
        var oldPem = NewKey("ES256");
        var before = Keys(KeyFile(oldPem));
        var signedBefore = new LogoutTokens(Issuer, before, _clock).Render("portal", sid: "s", subject: null, jti: "before");
        // The old key stays published (its public part suffices) while a new one signs.
        var publicOld = KeyFile(PemKeys.Load(oldPem) is ECDsaSecurityKey ec ? ec.ECDsa.ExportSubjectPublicKeyInfoPem() : "");
        var after = Keys(KeyFile(NewKey("RS256")), publicOld);
        var signedAfter = new LogoutTokens(Issuer, after, _clock).Render("portal", sid: "s", subject: null, jti: "after");

        var oldStillValid = await ValidateAsRelyingPartyAsync(signedBefore, after.Jwks);
        var newValid = await ValidateAsRelyingPartyAsync(signedAfter, after.Jwks);

        Assert.Equal(before.Signing.Key.KeyId, oldStillValid.Kid);
        Assert.NotEqual(before.Signing.Key.KeyId, newValid.Kid);
        Assert.Equal([after.Signing.Key.KeyId, before.Signing.Key.KeyId], after.Published.Select(k => k.KeyId));
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public void Jwks_PublishesPublicPartsOnly(string algorithm)
    {
        var keys = Keys(KeyFile(NewKey(algorithm)));

        var key = Assert.Single(JsonDocument.Parse(keys.Jwks).RootElement.GetProperty("keys").EnumerateArray());

        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal(algorithm, key.GetProperty("alg").GetString());
        Assert.Equal(keys.Signing.Key.KeyId, key.GetProperty("kid").GetString());
        foreach (var secret in new[] { "d", "p", "q", "dp", "dq", "qi" }) Assert.False(key.TryGetProperty(secret, out _), $"the key set holds '{secret}'");
    }
}
