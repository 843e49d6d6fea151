using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Sessions;

/// <summary>Logout events as CAEP session-revoked Security Event Tokens, verified with the public key.</summary>
public sealed class SecurityEventTokenTests : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"set-key-{Guid.NewGuid():N}.pem");
    private readonly PolicyServiceFactory _server;

    public SecurityEventTokenTests()
    {
        File.WriteAllText(_keyFile, _key.ExportPkcs8PrivateKeyPem());
        _server = new PolicyServiceFactory(Sample.OneHourPolicy, settings: new Dictionary<string, string?>
        {
            ["SessionPolicy:SecurityEventTokens:KeyFile"] = _keyFile,
            ["SessionPolicy:SecurityEventTokens:Issuer"] = "https://session-policy.test",
        });
    }

    public void Dispose()
    {
        _server.Dispose();
        File.Delete(_keyFile);
        _key.Dispose();
    }

    [Fact]
    public async Task Event_AsSecurityEventToken_IsSignedAndCarriesTheCaepClaims()
    {
        var client = Client(_server);
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"], tokens: true);
        var id = (await client.RegisterSessionAsync(Register("alice"))).Session.SessionId;

        var logout = await client.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id, Detail = "laptop stolen" });
        var received = await stream.NextEventAsync();

        var publicKey = new ECDsaSecurityKey(ECDsa.Create(_key.ExportParameters(false)));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(received.SecurityEventToken, new TokenValidationParameters
        {
            ValidIssuer = "https://session-policy.test",
            ValidAudience = "app-a",
            IssuerSigningKey = publicKey,
            RequireExpirationTime = false,
            ValidTypes = ["secevent+jwt"],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal(logout.EventId, token.Id);
        Assert.Equal("ES256", token.Alg);
        using var subject = JsonDocument.Parse(token.GetPayloadValue<JsonElement>("sub_id").GetRawText());
        Assert.Equal("complex", subject.RootElement.GetProperty("format").GetString());
        Assert.Equal(id, subject.RootElement.GetProperty("session").GetProperty("id").GetString());
        Assert.Equal("alice", subject.RootElement.GetProperty("user").GetProperty("id").GetString());
        var revoked = token.GetPayloadValue<JsonElement>("events").GetProperty("https://schemas.openid.net/secevent/caep/event-type/session-revoked");
        Assert.Equal("admin", revoked.GetProperty("initiating_entity").GetString());
        Assert.Equal("Admin: laptop stolen", revoked.GetProperty("reason_admin").GetProperty("en").GetString());
        Assert.Equal(received.Event.OccurredAt.Seconds, revoked.GetProperty("event_timestamp").GetInt64());
        Assert.True(token.TryGetPayloadValue<long>("iat", out _));
    }
}
