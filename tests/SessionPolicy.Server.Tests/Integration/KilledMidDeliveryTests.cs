using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.Server.Tests.Stores;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>
/// Two service processes on one real redis-server, one killed (SIGKILL) while a delivery it started is unanswered: the
/// other takes the receiver over once the lease lapses and delivers what the dead one had not finished, with the same
/// <c>jti</c>, then what ended after, in order. Nothing is lost.
/// </summary>
[Collection(SharedRedis.Collection)]
public sealed class KilledMidDeliveryTests(SharedRedis shared) : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"kill-{Guid.NewGuid():N}.pem");
    private SignalReceiver _receiver = null!;
    private Dictionary<string, string> _environment = null!;

    public async Task InitializeAsync()
    {
        Receivers.BackChannelDeliveryTests.WriteKey(_keyFile);
        _receiver = await SignalReceiver.StartAsync(() => Task.FromResult(_jwks), Receivers.BackChannelDeliveryTests.Issuer);
        _environment = shared.Server.SharedSettings().ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!);
        foreach (var (k, v) in new Dictionary<string, string>
        {
            ["SessionPolicy:SecurityEventTokens:KeyFile"] = _keyFile,
            ["SessionPolicy:SecurityEventTokens:Issuer"] = Receivers.BackChannelDeliveryTests.Issuer,
            ["SessionPolicy:Receivers:AllowHttpLoopback"] = "true",
            ["SessionPolicy:Receivers:MinBackoff"] = "00:00:00.010",
            ["SessionPolicy:Receivers:MaxBackoff"] = "00:00:00.050",
            ["SessionPolicy:Receivers:RequestTimeout"] = "00:01:00",
            ["SessionPolicy:Receivers:Lease"] = "00:00:02",
            ["SessionPolicy:Receivers:List:0:Name"] = "signals",
            ["SessionPolicy:Receivers:List:0:Kind"] = "ssf-push",
            ["SessionPolicy:Receivers:List:0:Url"] = _receiver.Url,
            ["SessionPolicy:Receivers:List:0:Audiences:0"] = "app-a",
        })
        {
            _environment[k.Replace(":", "__")] = v;
        }
    }

    private string _jwks = "";

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        File.Delete(_keyFile);
    }

    private static async Task EndAsync(ServerProcess on, string principal)
    {
        var events = new SessionEventsService.SessionEventsServiceClient(on.Channel);
        var id = (await events.RegisterSessionAsync(Register(principal))).Session.SessionId;
        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
    }

    [Fact]
    public async Task ReplicaKilledMidDelivery_TheOtherDeliversItAgainWithTheSameJti_AndGoesOn()
    {
        var a = await ServerProcess.StartAsync(_environment);
        await using var b = await ServerProcess.StartAsync(_environment);
        // Both replicas sign with the same key: the receiver validates with its public half.
        _jwks = System.Text.Json.JsonSerializer.Serialize(new { keys = new[] { PublicJwk() } });
        _receiver.Answers.Enqueue(SignalReceiver.Hang);

        await EndAsync(a, "k1");
        var hung = Assert.Single(await _receiver.ReceivedForAsync("k1"));
        await a.DisposeAsync();
        await EndAsync(b, "k2");
        var received = await _receiver.TakenForAsync("k1", "k2");

        Assert.Equal(SignalReceiver.Hang, hung.Answer);
        Assert.All(received, r => Assert.Null(r.Invalid));
        Assert.Equal(["k1", "k1", "k2"], received.Select(r => r.Principal));
        Assert.Equal(hung.Jti, received[1].Jti);
        Assert.NotEqual(received[1].Jti, received[2].Jti);
    }

    /// <summary>The public JWK of the signing key, as the service publishes it.</summary>
    private Dictionary<string, string> PublicJwk()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(_keyFile));
        var jwk = Microsoft.IdentityModel.Tokens.JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new Microsoft.IdentityModel.Tokens.ECDsaSecurityKey(key));
        return new() { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = jwk.X, ["y"] = jwk.Y, ["use"] = "sig", ["alg"] = "ES256" };
    }
}
