using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Sessions;

/// <summary>Idle and absolute expiry at their boundaries, on a fake clock (policy: 1 h, 15 min idle).</summary>
public sealed class ExpiryTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly PolicyServiceFactory _server;
    private readonly SessionEventsService.SessionEventsServiceClient _client;

    public ExpiryTests()
    {
        _server = new PolicyServiceFactory(Sample.OneHourPolicy, _clock);
        _client = Client(_server);
    }

    public void Dispose() => _server.Dispose();

    private async Task<string> RegisterAsync(string id)
    {
        var response = await _client.RegisterSessionAsync(Register(id: id));
        Assert.Equal(3600, response.Decision.MaxSessionSeconds);
        Assert.Equal(900, response.Session.IdleTimeoutSeconds);
        return response.Session.SessionId;
    }

    [Theory]
    [InlineData(-1, SessionState.Active)]
    [InlineData(0, SessionState.Ended)]
    [InlineData(1, SessionState.Ended)]
    public async Task Idle_AroundTheIdleDeadline_EndsAtItExactly(int offsetMs, SessionState expected)
    {
        var id = await RegisterAsync("idle-boundary");

        _clock.Advance(TimeSpan.FromSeconds(900) + TimeSpan.FromMilliseconds(offsetMs));
        var reply = await _client.RecordActivityAsync(Activity(id, ActivityKind.Background));

        Assert.Equal(expected, reply.State);
        if (expected == SessionState.Active) Assert.Equal(1, reply.IdleRemainingSeconds);
        else Assert.Equal(LogoutReason.IdleTimeout, reply.EndedReason);
    }

    [Theory]
    [InlineData(-1, SessionState.Active)]
    [InlineData(0, SessionState.Ended)]
    [InlineData(1, SessionState.Ended)]
    public async Task Absolute_AroundTheDeadline_EndsAtItExactlyDespiteActivity(int offsetMs, SessionState expected)
    {
        var id = await RegisterAsync("absolute-boundary");
        for (var minute = 10; minute < 60; minute += 10)
        {
            _clock.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal(SessionState.Active, (await _client.RecordActivityAsync(Activity(id))).State);
        }

        _clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(offsetMs));
        var reply = await _client.RecordActivityAsync(Activity(id));

        Assert.Equal(expected, reply.State);
        if (expected == SessionState.Ended) Assert.Equal(LogoutReason.MaxDuration, reply.EndedReason);
        else Assert.Equal(1, reply.AbsoluteRemainingSeconds);
    }

    [Fact]
    public async Task BackgroundActivity_DoesNotExtendTheIdleDeadline()
    {
        var background = await RegisterAsync("background");
        var user = await RegisterAsync("user");

        _clock.Advance(TimeSpan.FromMinutes(10));
        await _client.RecordActivityAsync(Activity(background, ActivityKind.Background));
        var afterUser = await _client.RecordActivityAsync(Activity(user, ActivityKind.User));
        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(900, afterUser.IdleRemainingSeconds);
        var b = await _client.RecordActivityAsync(Activity(background, ActivityKind.Background));
        var u = await _client.RecordActivityAsync(Activity(user, ActivityKind.Background));
        Assert.Equal((SessionState.Ended, LogoutReason.IdleTimeout), (b.State, b.EndedReason));
        Assert.Equal((SessionState.Active, 600), (u.State, u.IdleRemainingSeconds));
    }

    [Fact]
    public async Task Sweeper_EndsSessionsAtTheirDeadline_AndTellsSubscribers()
    {
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);
        var idle = await RegisterAsync("sweep-idle");
        var busy = await RegisterAsync("sweep-busy");

        // The busy one stays in use; the idle one reaches its idle deadline and the sweeper ends it.
        _clock.Advance(TimeSpan.FromMinutes(14));
        await _client.RecordActivityAsync(Activity(busy));
        _clock.Advance(TimeSpan.FromMinutes(1));
        var idleEnd = (await stream.NextEventAsync()).Event;

        Assert.Equal([idle], idleEnd.SessionIds);
        Assert.Equal(LogoutReason.IdleTimeout, idleEnd.Reason);
        Assert.Equal(_clock.GetUtcNow().AddMinutes(0), idleEnd.OccurredAt.ToDateTimeOffset());

        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(11));
            await _client.RecordActivityAsync(Activity(busy));
        }
        _clock.Advance(TimeSpan.FromMinutes(1));
        var maxEnd = (await stream.NextEventAsync()).Event;

        Assert.Equal([busy], maxEnd.SessionIds);
        Assert.Equal(LogoutReason.MaxDuration, maxEnd.Reason);
        Assert.Equal("alice", maxEnd.PrincipalId);
    }

    [Fact]
    public async Task ListSessions_ShowsLimitsRemainingTimeAndCompliance()
    {
        var id = await RegisterAsync("listed");
        _clock.Advance(TimeSpan.FromMinutes(5));

        var listed = Assert.Single((await _client.ListSessionsAsync(new ListSessionsRequest { PrincipalId = "alice" })).Sessions);

        Assert.Equal(id, listed.SessionId);
        Assert.Equal(SessionState.Active, listed.State);
        Assert.Equal(600, listed.IdleRemainingSeconds);
        Assert.Equal(3300, listed.AbsoluteRemainingSeconds);
        Assert.Equal(3600, listed.PolicyMaxSessionSeconds);
        Assert.True(listed.Compliant);
        Assert.Equal(["app-a"], listed.Audiences);
    }
}
