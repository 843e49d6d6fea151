using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>A role maximum one replica learns from STS is used by the others, through a real redis-server.</summary>
public sealed class SharedRoleMaximumTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private StsTestBed _a = null!;
    private StsTestBed _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var settings = _redis.SharedSettings();
        _a = await StartAsync(settings: settings);
        _b = await StartAsync(settings: settings);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _redis.DisposeAsync();
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
