using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.Server.Tests.Stores;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>The session registry and the logout log shared by two replicas through a real Redis (a server or a cluster).</summary>
public abstract class SharedSessionsContract : IAsyncLifetime
{
    private protected readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private protected IRedisTarget _redis = null!;
    private protected Dictionary<string, string?> _settings = null!;
    private protected PolicyServiceFactory _a = null!;
    private protected PolicyServiceFactory _b = null!;

    /// <summary>The Redis of this test.</summary>
    private protected abstract Task<IRedisTarget> RedisAsync();

    public async Task InitializeAsync()
    {
        _redis = await RedisAsync();
        _settings = _redis.SharedSettings();
        _settings["SessionPolicy:Sessions:EventRetention"] = "100";
        _a = new PolicyServiceFactory(clock: _clock, settings: _settings);
        _b = new PolicyServiceFactory(clock: _clock, settings: _settings);
        _ = _a.Server;
        _ = _b.Server;
    }

    public virtual Task DisposeAsync()
    {
        _a.Dispose();
        _b.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task LogoutOnA_ReachesASubscriberOnB()
    {
        await using var onB = await LogoutStream.OpenAsync(_b.Channel, ["app-a"]);
        var id = (await Client(_a).RegisterSessionAsync(Register("alice"))).Session.SessionId;

        var logout = await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        var received = (await onB.NextEventAsync()).Event;

        Assert.Equal(logout.EventId, received.EventId);
        Assert.Equal([id], received.SessionIds);
        Assert.Equal(LogoutReason.Admin, received.Reason);
    }

    [Fact]
    public async Task SessionRegisteredOnA_IsListedAndKeptAliveOnB()
    {
        var id = (await Client(_a).RegisterSessionAsync(Register("bob", id: "sso-bob"))).Session.SessionId;
        _clock.Advance(TimeSpan.FromMinutes(30));

        var activity = await Client(_b).RecordActivityAsync(Activity(id));
        var listed = Assert.Single((await Client(_b).ListSessionsAsync(new ListSessionsRequest { PrincipalId = "bob" })).Sessions);

        Assert.Equal(SessionState.Active, activity.State);
        Assert.Equal(3600, activity.IdleRemainingSeconds);
        Assert.Equal("sso-bob", listed.SessionId);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds(), listed.LastActivityAt.ToDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.True(listed.Compliant);
    }

    [Fact]
    public async Task Expiry_WithTwoReplicasSweeping_EndsTheSessionOnce()
    {
        await using var stream = await LogoutStream.OpenAsync(_a.Channel, ["app-a"]);
        var idle = (await Client(_a).RegisterSessionAsync(Register("carol"))).Session.SessionId;
        var marker = (await Client(_b).RegisterSessionAsync(Register("carol-marker"))).Session.SessionId;

        _clock.Advance(TimeSpan.FromMinutes(61));
        var first = (await stream.NextEventAsync()).Event;
        var second = (await stream.NextEventAsync()).Event;
        await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "dave-none" });

        Assert.Equal(LogoutReason.IdleTimeout, first.Reason);
        Assert.Equal(new[] { idle, marker }.Order(), new[] { first.SessionIds.Single(), second.SessionIds.Single() }.Order());
        var page = await Client(_b).ListSessionsAsync(new ListSessionsRequest { State = SessionState.Active });
        Assert.Empty(page.Sessions);
    }

    [Fact]
    public async Task ReplicaRestart_LosesNothing()
    {
        var id = (await Client(_a).RegisterSessionAsync(Register("erin"))).Session.SessionId;
        string cursor;
        await using (var stream = await LogoutStream.OpenAsync(_a.Channel, ["app-a"])) cursor = stream.StartCursor;
        _a.Dispose();
        await Client(_b).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });

        _a = new PolicyServiceFactory(clock: _clock, settings: _settings);
        await using var resumed = await LogoutStream.OpenAsync(_a.Channel, ["app-a"], cursor: cursor);
        var missed = (await resumed.NextEventAsync()).Event;

        Assert.Equal([id], missed.SessionIds);
        Assert.Equal(SessionState.Ended, (await Client(_a).RecordActivityAsync(Activity(id))).State);
    }

    [Fact]
    public async Task PrincipalLogout_SpansSessionsRegisteredOnBothReplicas()
    {
        var onA = (await Client(_a).RegisterSessionAsync(Register("frank"))).Session.SessionId;
        var onB = (await Client(_b).RegisterSessionAsync(Register("frank", "app-b"))).Session.SessionId;
        await using var a = await LogoutStream.OpenAsync(_b.Channel, ["app-a"]);

        var response = await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "frank", Actor = "secops" });
        var seen = (await a.NextEventAsync()).Event;

        Assert.Equal(new[] { onA, onB }.Order(), response.SessionIds.Order());
        Assert.Equal([onA], seen.SessionIds);
        Assert.Equal("frank", seen.PrincipalId);
    }

    [Fact]
    public async Task CursorOlderThanTheStream_IsOutOfRange()
    {
        var first = (await Client(_a).RegisterSessionAsync(Register("gina"))).Session.SessionId;
        await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = first });
        string firstCursor;
        await using (var s = await LogoutStream.OpenAsync(_a.Channel, ["app-a"])) firstCursor = s.StartCursor;
        for (var i = 0; i < 300; i++)
        {
            var id = (await Client(_a).RegisterSessionAsync(Register($"bulk{i}"))).Session.SessionId;
            await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => LogoutStream.OpenAsync(_b.Channel, ["app-a"], cursor: firstCursor));
        var malformed = await Assert.ThrowsAsync<RpcException>(() => LogoutStream.OpenAsync(_b.Channel, ["app-a"], cursor: "17"));

        Assert.Equal(StatusCode.OutOfRange, ex.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
    }

    [Fact]
    public async Task TwoReplicas_ShareTheSweeping_EachSweepsPartOfThePartitions_TogetherAll()
    {
        await _a.Services.GetRequiredService<SessionPolicy.Server.Sessions.SessionLifecycle>().SweepAsync(CancellationToken.None);
        await _b.Services.GetRequiredService<SessionPolicy.Server.Sessions.SessionLifecycle>().SweepAsync(CancellationToken.None);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var keys = new RedisKeys(_settings["SessionPolicy:Redis:KeyPrefix"]!);

        var sweepers = (await redis.GetDatabase().SortedSetRangeByRankAsync(keys.Sweepers)).Select(v => v.ToString()).ToList();
        var shares = sweepers.Select(s => SessionPolicy.Server.Sessions.Stores.RedisSessionStore.Owned(s, sweepers)).ToList();

        Assert.Equal(2, sweepers.Count);
        Assert.All(shares, share => Assert.InRange(share.Count, 1, RedisKeys.SessionPartitions - 1));
        Assert.Equal(Enumerable.Range(0, RedisKeys.SessionPartitions), shares.SelectMany(s => s).Order());
    }

    [Fact]
    public async Task SessionWhoseHashIsGone_LeavesTheDeadlineIndexAtTheNextSweep()
    {
        var id = (await Client(_a).RegisterSessionAsync(Register("jane"))).Session.SessionId;
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var db = redis.GetDatabase();
        var keys = new RedisKeys(_settings["SessionPolicy:Redis:KeyPrefix"]!);
        await db.KeyDeleteAsync(keys.Session(id));

        _clock.Advance(TimeSpan.FromHours(9));
        // The two replicas share the partitions: between them, every one is swept.
        await _a.Services.GetRequiredService<SessionPolicy.Server.Sessions.SessionLifecycle>().SweepAsync(CancellationToken.None);
        await _b.Services.GetRequiredService<SessionPolicy.Server.Sessions.SessionLifecycle>().SweepAsync(CancellationToken.None);

        Assert.Null(await db.SortedSetScoreAsync(keys.Deadlines(RedisKeys.PartitionOf(id)), id));
    }
}

/// <summary>The shared registry on one real redis-server per test, with what only a server of one's own allows: stopping it, losing its data.</summary>
public sealed class SharedSessionsTests : SharedSessionsContract
{
    private RedisServer Server => (RedisServer)_redis;

    private protected override async Task<IRedisTarget> RedisAsync() => await RedisServer.StartAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Server.DisposeAsync();
    }

    [Fact]
    public async Task RedisDown_ForceLogoutAndRegisterAreUnavailable()
    {
        var id = (await Client(_a).RegisterSessionAsync(Register("hank"))).Session.SessionId;

        await Server.StopAsync();
        var logout = await Assert.ThrowsAsync<RpcException>(() => Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id }).ResponseAsync);
        var register = await Assert.ThrowsAsync<RpcException>(() => Client(_a).RegisterSessionAsync(Register("ivan")).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, logout.StatusCode);
        Assert.Contains("could not record the logout", logout.Status.Detail);
        Assert.Equal(StatusCode.Unavailable, register.StatusCode);
    }

    [Fact]
    public async Task CursorFromBeforeRedisLostItsData_IsOutOfRange_NotSilentlyResumed()
    {
        var id = (await Client(_a).RegisterSessionAsync(Register("olga"))).Session.SessionId;
        await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        string before;
        await using (var s = await LogoutStream.OpenAsync(_a.Channel, ["app-a"])) before = s.StartCursor;

        // Redis runs without persistence here: a restart loses the log, and new events start a new one.
        var restored = ReplicaEvents.CommandsRestored(_a);
        await Server.StopAsync();
        await Server.RestartAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 3; i++)
        {
            var again = (await Client(_a).RegisterSessionAsync(Register($"after{i}"))).Session.SessionId;
            await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = again });
        }
        var ex = await Assert.ThrowsAsync<RpcException>(() => LogoutStream.OpenAsync(_a.Channel, ["app-a"], cursor: before));

        Assert.Equal(StatusCode.OutOfRange, ex.StatusCode);
        Assert.Contains("another incarnation", ex.Status.Detail);
    }

    [Fact]
    public async Task LiveSubscriber_AfterARestartThatLostTheLog_IsToldOfTheGap_NeverCarriedOnSilently()
    {
        await using var live = await LogoutStream.OpenAsync(_a.Channel, ["app-a"]);
        var id = (await Client(_a).RegisterSessionAsync(Register("pia"))).Session.SessionId;
        await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        var heard = (await live.NextEventAsync()).Event;

        // Redis runs without persistence here: a restart loses the log the feed was reading.
        var restored = ReplicaEvents.CommandsRestored(_a);
        await Server.StopAsync();
        await Server.RestartAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));
        var after = (await Client(_a).RegisterSessionAsync(Register("quinn"))).Session.SessionId;
        await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = after });
        var ended = await live.EndAsync();

        Assert.Equal([id], heard.SessionIds);
        Assert.Equal(StatusCode.OutOfRange, ended.StatusCode);
        Assert.Contains("may have been lost", ended.Status.Detail);
    }
}

/// <summary>The shared registry and logout log on a three-master Redis Cluster.</summary>
[Collection(SharedCluster.Collection)]
public sealed class ClusterSharedSessionsTests(SharedCluster shared) : SharedSessionsContract
{
    private protected override Task<IRedisTarget> RedisAsync() => Task.FromResult<IRedisTarget>(shared.Cluster);
}
