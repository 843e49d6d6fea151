using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.Server.Tests.Receivers;
using SessionPolicy.Server.Tests.Stores;
using SessionPolicy.V1;
using StackExchange.Redis;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>
/// A receiver registered on one replica (a real redis-server shared by two) is delivered to by the replicas together,
/// its authorization header sealed in Redis; removed on the other, nothing of it is left in the store.
/// </summary>
[Collection(SharedRedis.Collection)]
public sealed class SharedRegisteredReceiverTests(SharedRedis shared) : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"sreg-{Guid.NewGuid():N}.pem");
    private readonly string _secretFile = Path.Combine(Path.GetTempPath(), $"sreg-secret-{Guid.NewGuid():N}");
    private RelyingParty _rp = null!;
    private Dictionary<string, string?> _settings = null!;
    private PolicyServiceFactory _a = null!;
    private PolicyServiceFactory _b = null!;

    public async Task InitializeAsync()
    {
        BackChannelDeliveryTests.WriteKey(_keyFile);
        await File.WriteAllBytesAsync(_secretFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        _rp = await RelyingParty.StartAsync(() => _a.Services.GetRequiredService<SigningKeys>().Jwks, BackChannelDeliveryTests.Issuer);
        _settings = shared.Server.SharedSettings();
        foreach (var (k, v) in BackChannelDeliveryTests.Settings(_keyFile, _rp).Where(s => !s.Key.Contains(":List:"))) _settings[k] = v;
        _settings["SessionPolicy:Receivers:SecretKeyFile"] = _secretFile;
        _settings["SessionPolicy:Receivers:RefreshInterval"] = "00:00:00.100";
        _a = new PolicyServiceFactory(Sample.OneHourPolicy, settings: _settings);
        _ = _a.Server;
        _b = new PolicyServiceFactory(Sample.OneHourPolicy, settings: _settings);
        _ = _b.Server;
    }

    public async Task DisposeAsync()
    {
        _a.Dispose();
        _b.Dispose();
        await _rp.DisposeAsync();
        File.Delete(_keyFile);
        File.Delete(_secretFile);
    }

    private static SessionReceiversService.SessionReceiversServiceClient Receivers(PolicyServiceFactory on) => new(on.Channel);

    private RegisterReceiverRequest Request => new()
    {
        Name = "shared-web", Kind = "oidc-backchannel", Url = _rp.Url, Audiences = { "app-a" }, AuthorizationHeader = "Bearer sealed-secret",
    };

    [Fact]
    public async Task RegisteredOnOne_DeliveredOnce_SealedInTheStore_RemovedOnTheOther_LeavesNothing()
    {
        await Receivers(_a).RegisterReceiverAsync(Request);
        var prefix = _settings["SessionPolicy:Redis:KeyPrefix"]!;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(shared.Server.Configuration);
        var stored = (await redis.GetDatabase().HashGetAllAsync(prefix + "receivers")).Single();

        foreach (var p in new[] { "r1", "r2", "r3" })
        {
            var id = (await Client(_b).RegisterSessionAsync(Register(p))).Session.SessionId;
            await Client(_b).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        }
        var received = await _rp.TakenForAsync("r1", "r2", "r3");
        var listedOnB = await Receivers(_b).ListReceiversAsync(new ListReceiversRequest());
        await Receivers(_b).RemoveReceiverAsync(new RemoveReceiverRequest { Name = "shared-web" });
        // Each replica forgets what its own loop may have written since, once it sees the removal (within its refresh interval).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        List<RedisKey> left;
        while ((left = redis.GetServers().Single().Keys(pattern: prefix + "*shared-web*").ToList()).Count > 0 && !deadline.IsCancellationRequested) await Task.Yield();
        var listedOnA = await Receivers(_a).ListReceiversAsync(new ListReceiversRequest());

        Assert.Equal("shared-web", stored.Name.ToString());
        Assert.DoesNotContain("sealed-secret", stored.Value.ToString());
        Assert.Equal(["r1", "r2", "r3"], received.Select(r => r.Subject));
        Assert.All(received, r => Assert.Equal("Bearer sealed-secret", r.Authorization));
        Assert.All(received, r => Assert.Null(r.Invalid));
        Assert.Equal(["shared-web"], listedOnB.Receivers.Select(r => r.Name));
        Assert.Empty(left);
        Assert.Empty(listedOnA.Receivers);
    }

    [Fact]
    public async Task WithoutASecretKey_AHeaderIsNotKeptInTheStore()
    {
        var settings = new Dictionary<string, string?>(_settings) { ["SessionPolicy:Receivers:SecretKeyFile"] = "" };
        using var unsealed = new PolicyServiceFactory(Sample.OneHourPolicy, settings: settings);

        var refused = await Assert.ThrowsAsync<RpcException>(() => Receivers(unsealed).RegisterReceiverAsync(Request).ResponseAsync);
        var withoutHeader = Request;
        withoutHeader.AuthorizationHeader = "";
        withoutHeader.Name = "open-web";
        var registered = (await Receivers(unsealed).RegisterReceiverAsync(withoutHeader)).Receiver;
        await Receivers(unsealed).RemoveReceiverAsync(new RemoveReceiverRequest { Name = "open-web" });

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("SessionPolicy:Receivers:SecretKeyFile", refused.Status.Detail);
        Assert.DoesNotContain("sealed-secret", refused.Status.Detail);
        Assert.False(registered.HasAuthorization);
    }
}
