using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Receivers;

/// <summary>
/// Rotating the signing key without a gap, as a rolling restart does it: while replicas that sign with the old key and
/// replicas that sign with the new one serve side by side (the new key published first, then made current with the old
/// one still published), a relying party validating with the key set of any replica takes the tokens of every replica.
/// RS256 and ES256 alike.
/// </summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    private readonly string _old = Path.Combine(Path.GetTempPath(), $"rot-old-{Guid.NewGuid():N}.pem");
    private readonly string _new = Path.Combine(Path.GetTempPath(), $"rot-new-{Guid.NewGuid():N}.pem");
    private RelyingParty _rp = null!;
    private PolicyServiceFactory _before = null!;
    private PolicyServiceFactory _after = null!;
    private string _jwksFrom = "before";

    private string Jwks(PolicyServiceFactory replica) => replica.Services.GetRequiredService<SigningKeys>().Jwks;

    public async Task InitializeAsync()
    {
        using (var rsa = RSA.Create(2048)) await File.WriteAllTextAsync(_old, rsa.ExportPkcs8PrivateKeyPem());
        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256)) await File.WriteAllTextAsync(_new, ec.ExportECPrivateKeyPem());
        _rp = await RelyingParty.StartAsync(() => Jwks(_jwksFrom == "before" ? _before : _after), BackChannelDeliveryTests.Issuer);
        // Step 1 of a rotation: the old key signs, the new one is already published. Step 2: the new one signs, the old one stays published.
        var before = BackChannelDeliveryTests.Settings(_old, _rp);
        before["SessionPolicy:SecurityEventTokens:PreviousKeyFiles:0"] = _new;
        var after = BackChannelDeliveryTests.Settings(_new, _rp);
        after["SessionPolicy:SecurityEventTokens:PreviousKeyFiles:0"] = _old;
        _before = new PolicyServiceFactory(Sample.OneHourPolicy, settings: before);
        _after = new PolicyServiceFactory(Sample.OneHourPolicy, settings: after);
        _ = _before.Server;
        _ = _after.Server;
    }

    public async Task DisposeAsync()
    {
        _before.Dispose();
        _after.Dispose();
        await _rp.DisposeAsync();
        File.Delete(_old);
        File.Delete(_new);
    }

    private static async Task EndAsync(PolicyServiceFactory on, string principal)
    {
        var id = (await Client(on).RegisterSessionAsync(Register(principal))).Session.SessionId;
        await Client(on).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
    }

    [Theory]
    [InlineData("before")]
    [InlineData("after")]
    public async Task TokensOfEitherKey_ValidateWithTheKeySetOfEitherReplica(string jwksFrom)
    {
        _jwksFrom = jwksFrom;

        await EndAsync(_before, "signed-old");
        await EndAsync(_after, "signed-new");
        var received = await _rp.TakenForAsync("signed-old", "signed-new");
        var algorithms = new[] { _before, _after }.Select(r => r.Services.GetRequiredService<SigningKeys>().Signing.Algorithm).ToList();

        Assert.All(received, r => Assert.Null(r.Invalid));
        Assert.Equal(["signed-new", "signed-old"], received.Select(r => r.Subject).Order(StringComparer.Ordinal));
        Assert.Equal(["RS256", "ES256"], algorithms);
        static IEnumerable<string> Kids(string jwks) => new Microsoft.IdentityModel.Tokens.JsonWebKeySet(jwks).Keys.Select(k => k.Kid).Order(StringComparer.Ordinal);
        Assert.Equal(2, Kids(Jwks(_before)).Count());
        Assert.Equal(Kids(Jwks(_before)), Kids(Jwks(_after)));
    }
}
