using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using StackExchange.Redis;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>
/// With <c>WaitForReplicas</c>, a ForceLogout or a ReportSignal answers success only once the replicas hold it, and
/// the wait never holds up anything else (a real primary and replica; the replica frozen with SIGSTOP).
/// </summary>
public sealed class ReplicaWaitTests : IAsyncLifetime
{
    private RedisServer _primary = null!;
    private RedisServer _replica = null!;

    public async Task InitializeAsync()
    {
        _primary = await RedisServer.StartAsync();
        _replica = await RedisServer.StartReplicaAsync(_primary);
    }

    public async Task DisposeAsync()
    {
        await _replica.DisposeAsync();
        await _primary.DisposeAsync();
    }

    private PolicyServiceFactory Service(int replicas, string timeout)
    {
        var settings = _primary.SharedSettings();
        settings["SessionPolicy:Redis:WaitForReplicas"] = replicas.ToString();
        settings["SessionPolicy:Redis:WaitTimeout"] = timeout;
        // Every decision reads Redis, on the shared connection.
        settings["SessionPolicy:DecisionCache:MaxEntries"] = "0";
        return new PolicyServiceFactory(settings: settings);
    }

    [Fact]
    public async Task ForceLogout_WithTheReplicaFrozen_ReturnsOnlyOnceItHoldsTheLogout_WhileEverythingElseGoesOn()
    {
        using var factory = Service(replicas: 1, timeout: "00:00:30");
        var events = Client(factory);
        var decisions = new SessionPolicyService.SessionPolicyServiceClient(factory.Channel);
        var id = (await events.RegisterSessionAsync(Register("ann"))).Session.SessionId;

        _replica.Freeze();
        var logout = events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id }).ResponseAsync;
        var decided = (await decisions.DecideAsync(Sample.Human(id: "bob"))).Decision;
        var registered = (await events.RegisterSessionAsync(Register("carol"))).Session.SessionId;
        var waitedWhileFrozen = !logout.IsCompleted;
        _replica.Thaw();
        var answer = await logout;

        Assert.True(waitedWhileFrozen, "ForceLogout answered while the replica could not hold it");
        Assert.False(decided.Degraded);
        Assert.NotEmpty(registered);
        Assert.Equal([id], answer.SessionIds);
        Assert.Equal(1, await LogLengthOnReplicaAsync());
    }

    [Fact]
    public async Task ReportSignal_WithTheReplicaFrozen_ReturnsOnlyOnceItHoldsTheRevocation()
    {
        using var factory = Service(replicas: 1, timeout: "00:00:30");
        var events = Client(factory);
        await events.RegisterSessionAsync(Register("eve"));

        _replica.Freeze();
        var report = events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "eve", DisablePrincipal = true }).ResponseAsync;
        var decided = (await new SessionPolicyService.SessionPolicyServiceClient(factory.Channel).DecideAsync(Sample.Human(id: "bob"))).Decision;
        var waitedWhileFrozen = !report.IsCompleted;
        _replica.Thaw();
        var answer = await report;

        Assert.True(waitedWhileFrozen, "ReportSignal answered while the replica could not hold it");
        Assert.False(decided.Degraded);
        Assert.Single(answer.EndedSessionIds);
        Assert.Single(await KeysOnReplicaAsync("*revoked"));
        Assert.Equal(1, await LogLengthOnReplicaAsync());
    }

    [Fact]
    public async Task FewerReplicasThanRequired_IsUnavailableSayingSo_AndTheLogoutStands_AndARetryWaitsAgain()
    {
        using var factory = Service(replicas: 2, timeout: "00:00:00.100");
        var events = Client(factory);
        var id = (await events.RegisterSessionAsync(Register("ann"))).Session.SessionId;
        var eves = (await events.RegisterSessionAsync(Register("eve"))).Session.SessionId;

        var first = await Assert.ThrowsAsync<RpcException>(() => events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id }).ResponseAsync);
        var retry = await Assert.ThrowsAsync<RpcException>(() => events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id }).ResponseAsync);
        var signal = await Assert.ThrowsAsync<RpcException>(() => events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "mallory", RiskScore = 95 }).ResponseAsync);
        var disabled = await Assert.ThrowsAsync<RpcException>(() => events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "eve", DisablePrincipal = true }).ResponseAsync);
        var listed = (await events.ListSessionsAsync(new ListSessionsRequest())).Sessions;
        var mallory = (await new SessionPolicyService.SessionPolicyServiceClient(factory.Channel).DecideAsync(Sample.Human(id: "mallory"))).Decision;

        Assert.All([first, retry, signal, disabled], e => Assert.Equal(StatusCode.Unavailable, e.StatusCode));
        Assert.Contains("is recorded, but 1 of the 2 replicas required confirmed it within 100 ms", first.Status.Detail);
        Assert.Contains("the signal is recorded", signal.Status.Detail);
        // Unconfirmed is not undone: the logout, the signal and the disabled principal's endings all took effect.
        Assert.Equal(SessionState.Ended, listed.Single(s => s.SessionId == id).State);
        Assert.Equal(SessionState.Ended, listed.Single(s => s.SessionId == eves).State);
        Assert.Equal(Outcome.Deny, mallory.Outcome);
    }

    [Fact]
    public async Task WithoutWaitForReplicas_ForceLogoutDoesNotWaitForAFrozenReplica()
    {
        using var factory = Service(replicas: 0, timeout: "00:00:30");
        var events = Client(factory);
        var id = (await events.RegisterSessionAsync(Register("ann"))).Session.SessionId;

        _replica.Freeze();
        var answer = await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        _replica.Thaw();

        Assert.Equal([id], answer.SessionIds);
    }

    [Theory]
    [InlineData("SessionPolicy:Redis:WaitForReplicas", "-1")]
    [InlineData("SessionPolicy:Redis:WaitForReplicas", "17")]
    [InlineData("SessionPolicy:Redis:WaitTimeout", "00:00:00")]
    [InlineData("SessionPolicy:Redis:WaitTimeout", "00:01:00")]
    public void BadSetting_StopsStartNamingTheKey(string key, string value)
    {
        var settings = _primary.SharedSettings();
        settings[key] = value;
        using var factory = new PolicyServiceFactory(settings: settings);

        var ex = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains($"{key} must be between", ex.ToString());
    }

    private async Task<long> LogLengthOnReplicaAsync()
    {
        var keys = await KeysOnReplicaAsync("*{log}:logouts");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(_replica.Configuration);
        return await connection.GetDatabase().StreamLengthAsync(Assert.Single(keys));
    }

    private async Task<List<RedisKey>> KeysOnReplicaAsync(string pattern)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(_replica.Configuration);
        var keys = new List<RedisKey>();
        await foreach (var key in connection.GetServer(_replica.Configuration).KeysAsync(pattern: pattern)) keys.Add(key);
        return keys;
    }
}
