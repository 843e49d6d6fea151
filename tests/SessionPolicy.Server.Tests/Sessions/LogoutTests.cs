using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Sessions;

/// <summary>ForceLogout and SubscribeLogouts in the embedded mode, over gRPC.</summary>
public sealed class LogoutTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly PolicyServiceFactory _server;
    private readonly SessionEventsService.SessionEventsServiceClient _client;

    public LogoutTests()
    {
        _server = new PolicyServiceFactory(Sample.OneHourPolicy, _clock, new Dictionary<string, string?> { ["SessionPolicy:Sessions:EventRetention"] = "100" });
        _client = Client(_server);
    }

    public void Dispose() => _server.Dispose();

    private async Task<string> RegisterAsync(string principal = "alice", string audience = "app-a", string role = Sample.ReadOnlyArn) =>
        (await _client.RegisterSessionAsync(Register(principal, audience, role: role))).Session.SessionId;

    private Task<ForceLogoutResponse> LogoutSessionAsync(string id) => _client.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id, Actor = "secops", Detail = "test" }).ResponseAsync;

    [Fact]
    public async Task ForceLogout_BySession_EndsItAndTellsTheSubscriber()
    {
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);
        var id = await RegisterAsync();

        var response = await LogoutSessionAsync(id);
        var received = await stream.NextEventAsync();

        Assert.Equal([id], response.SessionIds);
        Assert.Equal(response.EventId, received.Event.EventId);
        Assert.Equal(received.Event.Cursor, received.Cursor);
        Assert.Equal((LogoutReason.Admin, "secops", "alice", "test"), (received.Event.Reason, received.Event.Actor, received.Event.PrincipalId, received.Event.Detail));
        Assert.Equal([id], received.Event.SessionIds);
        Assert.Equal(["app-a"], received.Event.Audiences);
        Assert.Equal(SessionState.Ended, (await _client.RecordActivityAsync(Activity(id))).State);
    }

    [Fact]
    public async Task ForceLogout_ByPrincipal_NamesEverySessionInOneEvent_AndIsIdempotent()
    {
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);
        var one = await RegisterAsync("bob");
        var two = await RegisterAsync("bob");
        var other = await RegisterAsync("carol");

        var first = await _client.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "bob" });
        var again = await _client.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "bob" });
        var received = (await stream.NextEventAsync()).Event;

        Assert.Equal(new[] { one, two }.Order(), first.SessionIds.Order());
        Assert.Equal(first.SessionIds.Order(), received.SessionIds.Order());
        Assert.Equal("bob", received.PrincipalId);
        Assert.Empty(again.SessionIds);
        Assert.Equal("", again.EventId);
        Assert.Equal(SessionState.Active, (await _client.RecordActivityAsync(Activity(other))).State);
    }

    [Fact]
    public async Task ForceLogout_ByRole_EndsThatRolesSessionsOnly()
    {
        const string admin = "arn:aws:iam::123456789012:role/Admin";
        var a = await RegisterAsync("dave", role: admin);
        var b = await RegisterAsync("erin", role: admin);
        var readOnly = await RegisterAsync("dave");

        var response = await _client.ForceLogoutAsync(new ForceLogoutRequest { RoleArn = admin });

        Assert.Equal(new[] { a, b }.Order(), response.SessionIds.Order());
        Assert.Equal(SessionState.Active, (await _client.RecordActivityAsync(Activity(readOnly))).State);
    }

    [Fact]
    public async Task Subscriber_ResumingFromItsCursor_GetsEveryMissedEventOnceInOrder()
    {
        var ids = new List<string>();
        for (var i = 0; i < 6; i++) ids.Add(await RegisterAsync($"user{i}"));
        string resumeAfter;
        await using (var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]))
        {
            await LogoutSessionAsync(ids[0]);
            await LogoutSessionAsync(ids[1]);
            var seen = await stream.EventsAsync(2);
            Assert.Equal([ids[0], ids[1]], seen.Select(e => e.SessionIds.Single()));
            resumeAfter = seen[^1].Cursor;
        }
        // Disconnected: these happen while nobody listens.
        for (var i = 2; i < 5; i++) await LogoutSessionAsync(ids[i]);

        await using var resumed = await LogoutStream.OpenAsync(_server.Channel, ["app-a"], cursor: resumeAfter);
        await LogoutSessionAsync(ids[5]);
        var events = await resumed.EventsAsync(4);

        Assert.Equal(ids[2..], events.Select(e => e.SessionIds.Single()));
        Assert.Equal(events.Select(e => e.EventId).Distinct().Count(), events.Count);
        Assert.Equal(resumeAfter, resumed.StartCursor);
    }

    [Fact]
    public async Task Subscriber_NeverSeesAnotherAudiencesSessions()
    {
        await using var a = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);
        await using var b = await LogoutStream.OpenAsync(_server.Channel, ["app-b"]);
        var onlyB = await RegisterAsync("frank", "app-b");
        var inA = await RegisterAsync("frank", "app-a");
        var inB = await RegisterAsync("frank", "app-b");
        await LogoutSessionAsync(onlyB);

        await _client.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "frank" });
        var seenByA = (await a.NextEventAsync()).Event;
        var seenByB = await b.EventsAsync(2);

        // A's first event is the principal logout: the app-b-only logout never reached it, and it names only A's session.
        Assert.Equal([inA], seenByA.SessionIds);
        Assert.Equal(["app-a"], seenByA.Audiences);
        Assert.Equal([onlyB], seenByB[0].SessionIds);
        Assert.Equal([inB], seenByB[1].SessionIds);
        Assert.Equal(seenByA.EventId, seenByB[1].EventId);
        Assert.Equal(["app-b"], seenByB[1].Audiences);
    }

    [Fact]
    public async Task Subscriber_FilteredByPrincipal_SeesOnlyThatPrincipal()
    {
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"], principalId: "gina");
        var other = await RegisterAsync("hank");
        var gina = await RegisterAsync("gina");

        await LogoutSessionAsync(other);
        await LogoutSessionAsync(gina);

        Assert.Equal([gina], (await stream.NextEventAsync()).Event.SessionIds);
    }

    [Fact]
    public async Task QuietStream_GetsKeepalives()
    {
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);

        _clock.Advance(TimeSpan.FromSeconds(15));
        var keepalive = await stream.NextAsync();

        Assert.True(keepalive.Keepalive);
        Assert.Null(keepalive.Event);
        Assert.Equal(stream.StartCursor, keepalive.Cursor);
    }

    [Fact]
    public async Task Shutdown_EndsStreamsWithUnavailable()
    {
        var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);

        _server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var ended = await stream.EndAsync();

        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Contains("resume with cursor", ended.Status.Detail);
        await stream.DisposeAsync();
    }

    [Fact]
    public async Task Cursor_OlderThanRetainedHistory_IsOutOfRange()
    {
        var first = await RegisterAsync("ivan");
        var firstCursor = (await LogoutSessionAsync(first)).EventId;
        string afterFirst;
        await using (var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]))
        {
            Assert.NotEqual("", stream.StartCursor);
            afterFirst = stream.StartCursor;
        }
        for (var i = 0; i < 150; i++) await LogoutSessionAsync(await RegisterAsync($"many{i}"));

        var ex = await Assert.ThrowsAsync<RpcException>(() => LogoutStream.OpenAsync(_server.Channel, ["app-a"], cursor: afterFirst));

        Assert.Equal(StatusCode.OutOfRange, ex.StatusCode);
        Assert.Contains("older than the retained history", ex.Status.Detail);
        Assert.NotEqual("", firstCursor);
    }

    [Theory]
    [InlineData("not-a-cursor", StatusCode.InvalidArgument)]
    [InlineData("999999", StatusCode.OutOfRange)]
    public async Task Cursor_NotOfThisLog_IsRefusedClearly(string cursor, StatusCode expected)
    {
        await LogoutSessionAsync(await RegisterAsync());

        var ex = await Assert.ThrowsAsync<RpcException>(() => LogoutStream.OpenAsync(_server.Channel, ["app-a"], cursor: cursor));

        Assert.Equal(expected, ex.StatusCode);
    }

    [Fact]
    public async Task SecurityEventTokens_NotConfigured_AreFailedPrecondition()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => LogoutStream.OpenAsync(_server.Channel, ["app-a"], tokens: true));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("SessionPolicy:SecurityEventTokens:KeyFile", ex.Status.Detail);
    }
}
