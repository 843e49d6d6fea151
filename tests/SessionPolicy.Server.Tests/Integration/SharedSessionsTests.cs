using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>The session registry and the logout log shared by two replicas through a real redis-server.</summary>
public sealed class SharedSessionsTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private RedisServer _redis = null!;
    private Dictionary<string, string?> _settings = null!;
    private PolicyServiceFactory _a = null!;
    private PolicyServiceFactory _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _settings = _redis.SharedSettings();
        _settings["SessionPolicy:Sessions:EventRetention"] = "100";
        _a = new PolicyServiceFactory(clock: _clock, settings: _settings);
        _b = new PolicyServiceFactory(clock: _clock, settings: _settings);
        _ = _a.Server;
        _ = _b.Server;
    }

    public async Task DisposeAsync()
    {
        _a.Dispose();
        _b.Dispose();
        await _redis.DisposeAsync();
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
    public async Task RedisDown_ForceLogoutAndRegisterAreUnavailable()
    {
        var id = (await Client(_a).RegisterSessionAsync(Register("hank"))).Session.SessionId;

        await _redis.StopAsync();
        var logout = await Assert.ThrowsAsync<RpcException>(() => Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id }).ResponseAsync);
        var register = await Assert.ThrowsAsync<RpcException>(() => Client(_a).RegisterSessionAsync(Register("ivan")).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, logout.StatusCode);
        Assert.Contains("could not record the logout", logout.Status.Detail);
        Assert.Equal(StatusCode.Unavailable, register.StatusCode);
    }

    [Fact]
    public async Task SessionWhoseHashIsGone_LeavesTheDeadlineIndexAtTheNextSweep()
    {
        var id = (await Client(_a).RegisterSessionAsync(Register("jane"))).Session.SessionId;
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var db = redis.GetDatabase();
        var prefix = _settings["SessionPolicy:Redis:KeyPrefix"];
        await db.KeyDeleteAsync($"{prefix}session:{id}");

        _clock.Advance(TimeSpan.FromHours(9));
        await _a.Services.GetRequiredService<SessionPolicy.Server.Sessions.SessionLifecycle>().SweepAsync(CancellationToken.None);

        Assert.Null(await db.SortedSetScoreAsync($"{prefix}deadlines", id));
    }

    [Fact]
    public async Task CursorFromBeforeRedisLostItsData_IsOutOfRange_NotSilentlyResumed()
    {
        var id = (await Client(_a).RegisterSessionAsync(Register("olga"))).Session.SessionId;
        await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        string before;
        await using (var s = await LogoutStream.OpenAsync(_a.Channel, ["app-a"])) before = s.StartCursor;

        // Redis runs without persistence here: a restart loses the log, and new events start a new one.
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _a.Services.GetRequiredService<RedisConnection>().Multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == StackExchange.Redis.ConnectionType.Interactive) restored.TrySetResult();
        };
        await _redis.StopAsync();
        await _redis.RestartAsync();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(30));
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
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _a.Services.GetRequiredService<RedisConnection>().Multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == StackExchange.Redis.ConnectionType.Interactive) restored.TrySetResult();
        };
        await _redis.StopAsync();
        await _redis.RestartAsync();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var after = (await Client(_a).RegisterSessionAsync(Register("quinn"))).Session.SessionId;
        await Client(_a).ForceLogoutAsync(new ForceLogoutRequest { SessionId = after });
        var ended = await live.EndAsync();

        Assert.Equal([id], heard.SessionIds);
        Assert.Equal(StatusCode.OutOfRange, ended.StatusCode);
        Assert.Contains("may have been lost", ended.Status.Detail);
    }
}
