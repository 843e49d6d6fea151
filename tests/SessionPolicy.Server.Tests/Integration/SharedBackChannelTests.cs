using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.Server.Tests.Receivers;
using SessionPolicy.Server.Tests.Stores;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>Two replicas on one real redis-server delivering to one relying party: one delivers at a time, from one cursor, and the other takes over.</summary>
[Collection(SharedRedis.Collection)]
public sealed class SharedBackChannelTests(SharedRedis shared) : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"bcl-{Guid.NewGuid():N}.pem");
    private RelyingParty _rp = null!;
    private Dictionary<string, string?> _settings = null!;
    private PolicyServiceFactory _a = null!;
    private PolicyServiceFactory _b = null!;

    public async Task InitializeAsync()
    {
        BackChannelDeliveryTests.WriteKey(_keyFile);
        _rp = await RelyingParty.StartAsync(() => _b.Services.GetRequiredService<SigningKeys>().Jwks, BackChannelDeliveryTests.Issuer);
        _settings = shared.Server.SharedSettings();
        foreach (var (k, v) in BackChannelDeliveryTests.Settings(_keyFile, _rp)) _settings[k] = v;
        _settings["SessionPolicy:Receivers:Lease"] = "00:00:03";
        // A first: it takes the receiver's lease as it starts.
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
    }

    private static async Task EndAsync(PolicyServiceFactory on, string principal)
    {
        var id = (await Client(on).RegisterSessionAsync(Register(principal))).Session.SessionId;
        await Client(on).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
    }

    [Fact]
    public async Task HolderThatDied_ItsLeaseLapses_WhatEndedMeanwhileIsDeliveredInOrder_RepeatsOnlyWithTheirJti()
    {
        await EndAsync(_a, "d1");
        await _rp.TakenAsync(1);
        // A replica that dies holding the lease does not release it: here, one that never runs holds it for two seconds.
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(shared.Server.Configuration))
        {
            var keys = new SessionPolicy.Server.Redis.RedisKeys(_settings["SessionPolicy:Redis:KeyPrefix"]!);
            await redis.GetDatabase().StringSetAsync(keys.ReceiverLease("portal"), "a-replica-that-died", TimeSpan.FromSeconds(2));
        }

        await EndAsync(_a, "d2");
        await EndAsync(_b, "d3");
        var received = await _rp.TakenForAsync("d1", "d2", "d3");

        // Nothing lost and in order; a token the dead holder had sent but not yet counted as sent comes again, with its jti.
        Assert.Equal(["d1", "d2", "d3"], received.Select(r => r.Subject).Distinct());
        Assert.Equal(3, received.Select(r => r.Jti).Distinct().Count());
        Assert.All(received.GroupBy(r => r.Subject), g => Assert.Single(g.Select(r => r.Jti).Distinct()));
        Assert.Equal(received.Select(r => r.Subject).Order(StringComparer.Ordinal), received.Select(r => r.Subject));
        Assert.All(received, r => Assert.Null(r.Invalid));
    }

    [Fact]
    public async Task LogLostByTheStore_TheReceiverGoesOnWithWhatTheNewLogHolds()
    {
        await EndAsync(_a, "q1");
        await _rp.TakenAsync(1);
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(shared.Server.Configuration))
        {
            var keys = new SessionPolicy.Server.Redis.RedisKeys(_settings["SessionPolicy:Redis:KeyPrefix"]!);
            await redis.GetDatabase().KeyDeleteAsync([keys.LogoutLog, keys.LogEpoch]);
        }

        await EndAsync(_b, "q2");
        var received = await _rp.TakenAsync(2);

        Assert.Equal(["q1", "q2"], received.Select(r => r.Subject));
    }

    [Fact]
    public async Task EndingsOnBothReplicas_AreDeliveredOnceEach_InOrder_AndTheOtherReplicaTakesOverWhenTheHolderStops()
    {
        await EndAsync(_a, "p1");
        await EndAsync(_b, "p2");
        await EndAsync(_a, "p3");
        var before = await _rp.TakenAsync(3);

        _a.Dispose();
        await EndAsync(_b, "p4");
        var after = await _rp.TakenAsync(4);

        Assert.Equal(["p1", "p2", "p3"], before.Select(r => r.Subject));
        Assert.Equal(["p1", "p2", "p3", "p4"], after.Select(r => r.Subject));
        Assert.All(after, r => Assert.Null(r.Invalid));
    }
}
