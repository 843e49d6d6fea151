using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>Bearer tokens checked as RFC 7515 and RFC 8725 say: one test per rule, each with a token that is otherwise valid.</summary>
public sealed class TokenRulesTests : IDisposable
{
    private readonly ECDsa _attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TokenServer _tokens = new();

    public void Dispose()
    {
        _tokens.Dispose();
        _attacker.Dispose();
    }

    /// <summary>A token like an identity provider's, with every permission, changed by <paramref name="change"/>.</summary>
    private string Token(Action<SecurityTokenDescriptor>? change = null, ECDsa? key = null, string? subject = "gateway-1")
    {
        var claims = new Dictionary<string, object> { ["permissions"] = EveryRpc.Permissions, ["logout_audiences"] = new[] { "app-a" } };
        if (subject is not null) claims["sub"] = subject;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = TestTokens.Issuer,
            Audience = TestTokens.Audience,
            Claims = claims,
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key ?? _tokens.Key), SecurityAlgorithms.EcdsaSha256),
        };
        change?.Invoke(descriptor);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    private async Task<Status> StatusOf(string rpc, string token) =>
        await EveryRpc.StatusOf(_tokens.Server.Channel, rpc, new Metadata { { "authorization", $"Bearer {token}" } });

    private async Task AssertRefused(string token, string why, string rpc = "Decide")
    {
        var status = await StatusOf(rpc, token);
        Assert.Equal(StatusCode.Unauthenticated, status.StatusCode);
        Assert.Contains(why, status.Detail);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task MangledTokens_OnEveryRpc_AreUnauthenticated_NeverAnythingElse(int seed)
    {
        var random = new Random(seed);
        var valid = Token();
        var rpcs = EveryRpc.WithPermission.Select(row => (string)row[0]).ToArray();
        var statuses = new List<(string Rpc, StatusCode Status)>();
        for (var i = 0; i < 150; i++)
        {
            var token = random.Next(4) switch
            {
                0 => new string([.. Enumerable.Range(0, random.Next(1, 300)).Select(_ => (char)random.Next(33, 127))]),
                1 => valid[..random.Next(1, valid.Length - 1)],
                2 => string.Join('.', valid.Split('.').Select(p => random.Next(3) == 0 ? B64(new string('{', random.Next(1, 2000))) : p)),
                // One character of the payload changed (never a segment's last, whose spare bits may not count): the signature no longer holds.
                _ => ChangeOneCharacter(valid, random),
            };
            if (token == valid) continue;
            var rpc = rpcs[i % rpcs.Length];
            statuses.Add((rpc, (await StatusOf(rpc, token)).StatusCode));
        }

        Assert.All(statuses, s => Assert.Equal((s.Rpc, StatusCode.Unauthenticated), s));
    }

    private static string ChangeOneCharacter(string token, Random random)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var parts = token.Split('.');
        var payload = parts[1].ToCharArray();
        var at = random.Next(payload.Length - 2);
        payload[at] = alphabet[(alphabet.IndexOf(payload[at]) + 1 + random.Next(alphabet.Length - 1)) % alphabet.Length];
        parts[1] = new string(payload);
        return string.Join('.', parts);
    }

    [Fact]
    public async Task TheBaseline_IsAccepted() => Assert.Equal(StatusCode.OK, (await StatusOf("Decide", Token())).StatusCode);

    [Theory]
    [MemberData(nameof(EveryRpc.WithPermission), MemberType = typeof(EveryRpc))]
    public async Task CriticalHeaderParameter_IsRefused_OnEveryRpc(string rpc, string _)
    {
        // RFC 7515 §4.1.11: a recipient that does not understand a listed extension must reject the JWS.
        var token = Token(d => d.AdditionalHeaderClaims = new Dictionary<string, object> { ["crit"] = new[] { "exp2" }, ["exp2"] = 1 });

        await AssertRefused(token, "crit", rpc);
    }

    [Fact]
    public async Task AlgNone_IsRefused()
    {
        // RFC 8725 §3.1: algorithm verification; an unsigned token is never accepted.
        var token = B64("""{"alg":"none","typ":"JWT"}""") + "." + B64($$"""{"iss":"{{TestTokens.Issuer}}","aud":"{{TestTokens.Audience}}","sub":"x","exp":{{DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}},"permissions":["decide"]}""") + ".";

        Assert.Equal(StatusCode.Unauthenticated, (await StatusOf("Decide", token)).StatusCode);
    }

    [Fact]
    public async Task HmacSignedWithThePublicKey_IsRefused()
    {
        // RFC 8725 §3.2: the key-confusion attack, the public key's bytes used as an HMAC secret.
        var secret = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_tokens.Key.ExportSubjectPublicKeyInfoPem()));
        var token = Token(d => d.SigningCredentials = new SigningCredentials(secret, SecurityAlgorithms.HmacSha256));

        await AssertRefused(token, "not");
    }

    [Fact]
    public async Task KeyEmbeddedInTheToken_IsNotTrusted()
    {
        // RFC 8725 §3.10: do not trust received claims; a jwk header naming the attacker's own key changes nothing.
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(_attacker));
        var token = Token(d => d.AdditionalHeaderClaims = new Dictionary<string, object>
        {
            ["jwk"] = new Dictionary<string, object> { ["kty"] = "EC", ["crv"] = jwk.Crv, ["x"] = jwk.X, ["y"] = jwk.Y },
            ["jku"] = "https://attacker.test/keys",
        }, key: _attacker);

        await AssertRefused(token, "signature");
    }

    [Fact]
    public async Task AnotherIssuer_IsRefused() => await AssertRefused(Token(d => d.Issuer = "https://other.test"), "issuer");

    [Fact]
    public async Task AnotherAudience_IsRefused() => await AssertRefused(Token(d => d.Audience = "another-service"), "not for this service");

    [Fact]
    public async Task NoSubject_IsRefused() => await AssertRefused(Token(subject: null), "subject");

    [Fact]
    public async Task NoExpiry_IsRefused() => await AssertRefused(Token(d => d.Expires = null), "expir");

    [Theory]
    [InlineData("logout+jwt")]
    [InlineData("secevent+jwt")]
    [InlineData("dpop+jwt")]
    public async Task AnotherKindOfJwt_IsRefused(string typ) =>
        // RFC 8725 §3.11-3.12: explicit typing keeps one kind of JWT from being used as another.
        await AssertRefused(Token(d => d.TokenType = typ), "typ");

    [Theory]
    [InlineData("JWT")]
    [InlineData("at+jwt")]
    public async Task AccessTokenTypes_AreAccepted(string typ) =>
        Assert.Equal(StatusCode.OK, (await StatusOf("Decide", Token(d => d.TokenType = typ))).StatusCode);

    [Fact]
    public async Task EncryptedToken_IsRefused()
    {
        // RFC 8725 §3.3: validate all cryptographic operations; the service holds no decryption key and takes signed tokens only.
        var encrypting = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
        var token = Token(d => d.EncryptingCredentials = new EncryptingCredentials(encrypting, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes128CbcHmacSha256));

        await AssertRefused(token, "encrypted");
    }
}

/// <summary>RFC 8725 §3.5: keys with too little entropy are refused at start.</summary>
public sealed class ShortKeyTests
{
    [Fact]
    public void RsaKeyUnder2048Bits_StopsTheStart()
    {
        using var rsa = RSA.Create(1024);
        var file = Path.Combine(Path.GetTempPath(), $"rsa1024-{Guid.NewGuid():N}.pem");
        File.WriteAllText(file, rsa.ExportSubjectPublicKeyInfoPem());
        try
        {
            using var server = new PolicyServiceFactory(Sample.OneHourPolicy, settings: TestTokens.ServerSettings(file));

            var ex = Assert.ThrowsAny<Exception>(() => server.Server);

            Assert.Contains("1024 bits is too short", ex.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
