using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>A role maximum one replica learns from STS is used by the others, through a real Redis (a server or a cluster).</summary>
public abstract class SharedRoleMaximumContract : IAsyncLifetime
{
    private IRedisTarget _redis = null!;
    private StsTestBed _a = null!;
    private StsTestBed _b = null!;

    /// <summary>The Redis of this test, and what disposing of it takes.</summary>
    private protected abstract Task<(IRedisTarget Redis, Func<ValueTask> Release)> RedisAsync();

    private Func<ValueTask> _release = () => ValueTask.CompletedTask;

    public async Task InitializeAsync()
    {
        (_redis, _release) = await RedisAsync();
        var settings = _redis.SharedSettings();
        _a = await StartAsync(settings: settings);
        _b = await StartAsync(settings: settings);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _release();
    }

    [Fact]
    public async Task RoleMaximumLearnedOnA_IsSentFirstTimeByB()
    {
        await _a.Client.IssueSessionAsync(Request(ShortRole));

        var onB = await _b.Client.IssueSessionAsync(Request(ShortRole, principal: "etl-hourly"));

        Assert.Equal(2, _a.Sts.Calls.Count);
        var call = Assert.Single(_b.Sts.Calls);
        Assert.Equal(3600, call.DurationSeconds);
        Assert.Null(call.ErrorCode);
        Assert.Equal(Constraint.RoleMaximum, onB.Decision.BindingConstraint);
    }
}

/// <summary>On a redis-server of its own.</summary>
public sealed class SharedRoleMaximumTests : SharedRoleMaximumContract
{
    private protected override async Task<(IRedisTarget, Func<ValueTask>)> RedisAsync()
    {
        var server = await RedisServer.StartAsync();
        return (server, server.DisposeAsync);
    }
}

/// <summary>On the shared three-master cluster.</summary>
[Collection(SessionPolicy.Server.Tests.Stores.SharedCluster.Collection)]
public sealed class ClusterSharedRoleMaximumTests(SessionPolicy.Server.Tests.Stores.SharedCluster shared) : SharedRoleMaximumContract
{
    private protected override Task<(IRedisTarget, Func<ValueTask>)> RedisAsync() =>
        Task.FromResult<(IRedisTarget, Func<ValueTask>)>((shared.Cluster, () => ValueTask.CompletedTask));
}
