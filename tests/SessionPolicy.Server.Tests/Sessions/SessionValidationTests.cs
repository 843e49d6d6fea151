using Grpc.Core;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Sessions;

/// <summary>Every bad field of the session RPCs is INVALID_ARGUMENT naming it, and changes nothing.</summary>
public sealed class SessionValidationTests : IDisposable
{
    private readonly PolicyServiceFactory _server = new(Sample.OneHourPolicy);
    private SessionEventsService.SessionEventsServiceClient C => Client(_server);

    public void Dispose() => _server.Dispose();

    public static TheoryData<string, Action<RegisterSessionRequest>> BadRegistrations => new()
    {
        { "audiences", r => r.Audiences.Clear() },
        { "audiences[0]", r => { r.Audiences.Clear(); r.Audiences.Add(""); } },
        { "audiences[1]", r => r.Audiences.Add("has space") },
        { "audiences", r => r.Audiences.Add(Enumerable.Range(0, 16).Select(i => $"app{i}")) },
        { "external_session_id", r => r.ExternalSessionId = "has space" },
        { "external_session_id", r => r.ExternalSessionId = new string('x', 129) },
        { "principal", r => r.Principal = null },
        { "role", r => r.Role = null },
        { "context.risk_score", r => r.Context.RiskScore = 101 },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task RegisterSession_BadField_IsInvalidArgumentAndRegistersNothing(string field, Action<RegisterSessionRequest> spoil)
    {
        var request = Register();
        spoil(request);

        await RpcAssert.InvalidArgumentAsync(() => C.RegisterSessionAsync(request).ResponseAsync, field);

        Assert.Empty((await C.ListSessionsAsync(new ListSessionsRequest())).Sessions);
    }

    [Fact]
    public async Task RegisterSession_SameExternalIdTwice_IsAlreadyExistsAndKeepsTheFirst()
    {
        var first = await C.RegisterSessionAsync(Register(id: "sso-123"));

        var ex = await Assert.ThrowsAsync<RpcException>(() => C.RegisterSessionAsync(Register(principal: "mallory", id: "sso-123")).ResponseAsync);

        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
        Assert.Equal("alice", Assert.Single((await C.ListSessionsAsync(new ListSessionsRequest())).Sessions).PrincipalId);
        Assert.Equal("sso-123", first.Session.SessionId);
    }

    public static TheoryData<string, RecordActivityRequest> BadActivities => new()
    {
        { "session_id", new RecordActivityRequest { Kind = ActivityKind.User } },
        { "session_id", new RecordActivityRequest { SessionId = "a b", Kind = ActivityKind.User } },
        { "kind", new RecordActivityRequest { SessionId = "s1" } },
        { "kind", new RecordActivityRequest { SessionId = "s1", Kind = (ActivityKind)9 } },
    };

    [Theory]
    [MemberData(nameof(BadActivities))]
    public async Task RecordActivity_BadField_IsInvalidArgument(string field, RecordActivityRequest request) =>
        await RpcAssert.InvalidArgumentAsync(() => C.RecordActivityAsync(request).ResponseAsync, field);

    [Fact]
    public async Task RecordActivity_UnknownSession_IsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => C.RecordActivityAsync(Activity("nope")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    public static TheoryData<string, ForceLogoutRequest> BadLogouts => new()
    {
        { "target", new ForceLogoutRequest() },
        { "session_id", new ForceLogoutRequest { SessionId = "" } },
        { "principal_id", new ForceLogoutRequest { PrincipalId = "" } },
        { "role_arn", new ForceLogoutRequest { RoleArn = "arn:aws:s3:::bucket" } },
        { "reason", new ForceLogoutRequest { SessionId = "s1", Reason = (LogoutReason)42 } },
        { "actor", new ForceLogoutRequest { SessionId = "s1", Actor = new string('a', 129) } },
        { "detail", new ForceLogoutRequest { SessionId = "s1", Detail = "line\nbreak" } },
    };

    [Theory]
    [MemberData(nameof(BadLogouts))]
    public async Task ForceLogout_BadField_IsInvalidArgumentAndEndsNothing(string field, ForceLogoutRequest request)
    {
        var running = await C.RegisterSessionAsync(Register());

        await RpcAssert.InvalidArgumentAsync(() => C.ForceLogoutAsync(request).ResponseAsync, field);

        Assert.Equal(SessionState.Active, (await C.RecordActivityAsync(Activity(running.Session.SessionId))).State);
    }

    [Fact]
    public async Task ForceLogout_UnknownSession_IsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => C.ForceLogoutAsync(new ForceLogoutRequest { SessionId = "nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    public static TheoryData<string, ListSessionsRequest> BadLists => new()
    {
        { "page_size", new ListSessionsRequest { PageSize = 1001 } },
        { "page_size", new ListSessionsRequest { PageSize = -1 } },
        { "page_token", new ListSessionsRequest { PageToken = "garbage!" } },
        { "state", new ListSessionsRequest { State = (SessionState)7 } },
        { "role_arn", new ListSessionsRequest { RoleArn = "nope" } },
    };

    [Theory]
    [MemberData(nameof(BadLists))]
    public async Task ListSessions_BadField_IsInvalidArgument(string field, ListSessionsRequest request) =>
        await RpcAssert.InvalidArgumentAsync(() => C.ListSessionsAsync(request).ResponseAsync, field);

    public static TheoryData<string, SubscribeLogoutsRequest> BadSubscriptions => new()
    {
        { "audiences", new SubscribeLogoutsRequest() },
        { "audiences[0]", new SubscribeLogoutsRequest { Audiences = { "bad audience" } } },
        { "role_arn", new SubscribeLogoutsRequest { Audiences = { "app-a" }, RoleArn = "nope" } },
        { "cursor", new SubscribeLogoutsRequest { Audiences = { "app-a" }, Cursor = new string('1', 65) } },
    };

    [Theory]
    [MemberData(nameof(BadSubscriptions))]
    public async Task SubscribeLogouts_BadField_IsInvalidArgument(string field, SubscribeLogoutsRequest request) =>
        await RpcAssert.InvalidArgumentAsync(async () =>
        {
            using var call = C.SubscribeLogouts(request);
            await call.ResponseStream.MoveNext(CancellationToken.None);
        }, field);

    [Fact]
    public async Task ListSessions_Pages_FilterAndFollowTokens()
    {
        for (var i = 0; i < 5; i++) await C.RegisterSessionAsync(Register(principal: i % 2 == 0 ? "even" : "odd", id: $"s{i}"));
        await C.ForceLogoutAsync(new ForceLogoutRequest { SessionId = "s4" });

        var first = await C.ListSessionsAsync(new ListSessionsRequest { PrincipalId = "even", PageSize = 1 });
        var second = await C.ListSessionsAsync(new ListSessionsRequest { PrincipalId = "even", PageSize = 1, PageToken = first.NextPageToken });
        var third = await C.ListSessionsAsync(new ListSessionsRequest { PrincipalId = "even", PageSize = 1, PageToken = second.NextPageToken });
        var active = await C.ListSessionsAsync(new ListSessionsRequest { State = SessionState.Active });

        Assert.Equal(["s0", "s2", "s4"], first.Sessions.Concat(second.Sessions).Concat(third.Sessions).Select(s => s.SessionId));
        Assert.Equal("", third.NextPageToken);
        Assert.Equal(LogoutReason.Admin, third.Sessions[0].EndedReason);
        Assert.Equal(["s0", "s1", "s2", "s3"], active.Sessions.Select(s => s.SessionId));
    }
}
