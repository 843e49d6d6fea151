using Microsoft.Extensions.Options;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Stores;

/// <summary>
/// What every session store promises, run against each implementation (in memory, and Redis through its Lua
/// scripts), so the twins cannot drift: sessions, endings, the logout log, cursors, paging and the deadline index.
/// </summary>
public abstract class SessionStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    protected static readonly SessionLifecycleOptions Options = new() { EventRetention = 100, EndedRetention = TimeSpan.FromHours(1) };

    private ISessionStore? _store;

    private protected ISessionStore Store => _store ?? throw new InvalidOperationException("not initialized");

    /// <summary>A new, empty store of the implementation under test.</summary>
    private protected abstract Task<ISessionStore> CreateAsync(IOptions<SessionLifecycleOptions> options);

    /// <summary>The store after its log was lost: a restarted embedded replica, or a shared store that lost its data.</summary>
    private protected abstract Task<ISessionStore> AfterLosingTheLogAsync();

    public async Task InitializeAsync() => _store = await CreateAsync(Microsoft.Extensions.Options.Options.Create(Options));

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static SessionRecord Session(string id, string principal = "alice", string role = "arn:aws:iam::123456789012:role/App",
        TimeSpan? lifetime = null, int idleSeconds = 0, string[]? audiences = null) => new()
    {
        Id = id, PrincipalId = principal, RoleArn = role, Audiences = audiences ?? ["app-a"], IssuedAt = Now, ExpiresAt = Now + (lifetime ?? TimeSpan.FromHours(1)),
        IdleTimeoutSeconds = idleSeconds, LastActivityAt = Now, Origin = "registered", DecisionId = "d-" + id, PolicyVersion = "v1", Request = [1, 2, 3],
    };

    protected static EndRequest End(string[]? ids = null, string? principal = null, string? role = null, bool onlyIfDue = false, DateTimeOffset? at = null) => new()
    {
        SessionIds = ids, PrincipalId = principal, RoleArn = role, Reason = LogoutReason.Admin, Actor = "tester", Detail = "contract", At = at ?? Now, OnlyIfDue = onlyIfDue,
    };

    private async Task AddAsync(params SessionRecord[] sessions)
    {
        foreach (var s in sessions) Assert.True(await Store.AddAsync(s, default));
    }

    [Fact]
    public async Task Add_ThenGet_ReturnsTheSessionAsStored()
    {
        await AddAsync(Session("s1", idleSeconds: 900, audiences: ["app-a", "app-b"]));

        var got = await Store.GetAsync("s1", default);

        Assert.NotNull(got);
        Assert.Equal(("s1", "alice", "arn:aws:iam::123456789012:role/App", 900, SessionState.Active), (got.Id, got.PrincipalId, got.RoleArn, got.IdleTimeoutSeconds, got.State));
        Assert.Equal(["app-a", "app-b"], got.Audiences);
        Assert.Equal(Now + TimeSpan.FromHours(1), got.ExpiresAt);
        Assert.Equal([1, 2, 3], got.Request);
    }

    [Fact]
    public async Task Add_ATakenId_IsRefusedAndKeepsTheFirst()
    {
        await AddAsync(Session("s1", principal: "alice"));

        Assert.False(await Store.AddAsync(Session("s1", principal: "mallory"), default));
        Assert.Equal("alice", (await Store.GetAsync("s1", default))!.PrincipalId);
    }

    [Fact]
    public async Task Get_Unknown_IsNull() => Assert.Null(await Store.GetAsync("nobody", default));

    [Fact]
    public async Task SessionMintedElsewhere_IsMarkedSoInTheLog()
    {
        await AddAsync(Session("idp-1") with { Origin = SessionRecord.ExternalOrigin }, Session("own-1"));

        await Store.EndAsync(End(principal: "alice"), default);
        var logged = Assert.Single((await Store.ReadAsync(null, 10, default)).Events);

        Assert.Equal([("idp-1", true), ("own-1", false)], logged.Sessions.Select(s => (s.Id, s.IsExternal)).OrderBy(s => s.Id));
    }

    [Fact]
    public async Task EndById_EndsItOnceAndRecordsOneEvent()
    {
        await AddAsync(Session("s1"), Session("s2"));

        var first = await Store.EndAsync(End(ids: ["s1"]), default);
        var again = await Store.EndAsync(End(ids: ["s1"]), default);

        Assert.Equal(["s1"], first.Ended.Select(s => s.Id));
        Assert.Equal(SessionState.Ended, first.Ended[0].State);
        Assert.NotNull(first.Event);
        Assert.Equal(["s1"], first.Event.Sessions.Select(s => s.Id));
        Assert.Same(EndResult.Nothing, again);
        Assert.Equal(SessionState.Active, (await Store.GetAsync("s2", default))!.State);
    }

    [Fact]
    public async Task EndByPrincipal_NamesEachOfItsSessionsInOneEvent()
    {
        await AddAsync(Session("a1", principal: "alice"), Session("a2", principal: "alice"), Session("b1", principal: "bob"));

        var result = await Store.EndAsync(End(principal: "alice"), default);

        Assert.Equal(["a1", "a2"], result.Ended.Select(s => s.Id).Order());
        Assert.Equal(["a1", "a2"], result.Event!.Sessions.Select(s => s.Id).Order());
        Assert.Equal("alice", result.Event.PrincipalId);
        Assert.Equal(SessionState.Active, (await Store.GetAsync("b1", default))!.State);
    }

    [Fact]
    public async Task EndByRole_EndsEveryPrincipalsSessionOfThatRole()
    {
        const string other = "arn:aws:iam::123456789012:role/Other";
        await AddAsync(Session("a1", principal: "alice"), Session("b1", principal: "bob"), Session("c1", principal: "carol", role: other));

        var result = await Store.EndAsync(End(role: "arn:aws:iam::123456789012:role/App"), default);

        Assert.Equal(["a1", "b1"], result.Ended.Select(s => s.Id).Order());
        Assert.Equal("", result.Event!.PrincipalId);
        Assert.Equal(SessionState.Active, (await Store.GetAsync("c1", default))!.State);
    }

    [Fact]
    public async Task EndIfDue_EndsOnlyThoseDue_WithTheirOwnReason()
    {
        await AddAsync(Session("idle", idleSeconds: 60), Session("long", lifetime: TimeSpan.FromMinutes(30)), Session("fresh"));

        var idle = await Store.EndAsync(End(ids: ["idle", "fresh"], onlyIfDue: true, at: Now.AddMinutes(2)), default);
        var max = await Store.EndAsync(End(ids: ["long", "fresh"], onlyIfDue: true, at: Now.AddMinutes(31)), default);

        Assert.Equal(["idle"], idle.Ended.Select(s => s.Id));
        Assert.Equal(LogoutReason.IdleTimeout, idle.Event!.Reason);
        Assert.Equal(["long"], max.Ended.Select(s => s.Id));
        Assert.Equal(LogoutReason.MaxDuration, max.Event!.Reason);
        Assert.Equal(SessionState.Active, (await Store.GetAsync("fresh", default))!.State);
    }

    [Fact]
    public async Task Due_ReturnsOnlySessionsPastTheirDeadline_FromTheIndex()
    {
        await AddAsync(Session("soon", lifetime: TimeSpan.FromMinutes(10)), Session("later", lifetime: TimeSpan.FromHours(2)), Session("idle", idleSeconds: 300));

        Assert.Empty(await Store.DueAsync(Now.AddMinutes(4), 100, default));
        Assert.Equal(["idle"], await Store.DueAsync(Now.AddMinutes(5), 100, default));
        Assert.Equal(["idle", "soon"], (await Store.DueAsync(Now.AddMinutes(10), 100, default)).Order());
    }

    [Fact]
    public async Task Touch_MovesTheIdleDeadline_AndNeverRevivesAnEndedSession()
    {
        await AddAsync(Session("s1", idleSeconds: 300), Session("s2", idleSeconds: 300));
        await Store.EndAsync(End(ids: ["s2"]), default);

        var touched = await Store.TouchAsync("s1", Now.AddMinutes(4), default);
        var ended = await Store.TouchAsync("s2", Now.AddMinutes(4), default);

        Assert.Equal(Now.AddMinutes(4), touched!.LastActivityAt);
        Assert.Empty(await Store.DueAsync(Now.AddMinutes(6), 100, default));
        Assert.Equal(["s1"], await Store.DueAsync(Now.AddMinutes(9), 100, default));
        Assert.Equal(SessionState.Ended, ended!.State);
        Assert.Null(await Store.TouchAsync("nobody", Now, default));
    }

    [Fact]
    public async Task Revise_CutsTheLimits_AndNeverExtendsThem()
    {
        await AddAsync(Session("s1", lifetime: TimeSpan.FromHours(1)));

        await Store.ReviseAsync("s1", Now.AddMinutes(20), 0, default);
        await Store.ReviseAsync("s1", Now.AddHours(5), 0, default);

        Assert.Equal(Now.AddMinutes(20), (await Store.GetAsync("s1", default))!.ExpiresAt);
        Assert.Equal(["s1"], await Store.DueAsync(Now.AddMinutes(20), 100, default));
    }

    [Fact]
    public async Task ActiveIdsAndCount_LeaveEndedSessionsOut()
    {
        await AddAsync(Session("a1", principal: "alice"), Session("a2", principal: "alice"), Session("b1", principal: "bob"));
        await Store.EndAsync(End(ids: ["a2"]), default);

        Assert.Equal(["a1"], await Store.ActiveIdsAsync("alice", default));
        Assert.Equal(["a1", "b1"], (await Store.ActiveIdsAsync(null, default)).Order());
        Assert.Equal(2, await Store.ActiveCountAsync(default));
    }

    [Fact]
    public async Task List_PagesInIdOrder_UnderEachFilter()
    {
        await AddAsync(Session("s3", principal: "alice"), Session("s1", principal: "alice"), Session("s2", principal: "bob"), Session("s4", principal: "alice"));
        await Store.EndAsync(End(ids: ["s4"]), default);

        var all = await Store.ListAsync(new SessionFilter(), "", 2, default);
        var rest = await Store.ListAsync(new SessionFilter(), all[^1].Id, 10, default);
        var alice = await Store.ListAsync(new SessionFilter(PrincipalId: "alice"), "", 10, default);
        var aliceActive = await Store.ListAsync(new SessionFilter(PrincipalId: "alice", State: SessionState.Active), "s1", 10, default);

        Assert.Equal(["s1", "s2"], all.Select(s => s.Id));
        Assert.Equal(["s3", "s4"], rest.Select(s => s.Id));
        Assert.Equal(["s1", "s3", "s4"], alice.Select(s => s.Id));
        Assert.Equal(["s3"], aliceActive.Select(s => s.Id));
    }

    [Fact]
    public async Task Log_ReadsFromACursorInOrder_InPages()
    {
        var start = await Store.LatestCursorAsync(default);
        for (var i = 1; i <= 5; i++)
        {
            await AddAsync(Session($"s{i}"));
            await Store.EndAsync(End(ids: [$"s{i}"]), default);
        }

        var all = await Store.ReadAsync(start, 10, default);
        var firstTwo = await Store.ReadAsync(start, 2, default);
        var afterTwo = await Store.ReadAsync(firstTwo.Events[^1].Cursor, 10, default);
        var latest = await Store.LatestCursorAsync(default);

        Assert.Equal(["s1", "s2", "s3", "s4", "s5"], all.Events.Select(e => e.Sessions.Single().Id));
        Assert.False(all.More);
        Assert.True(firstTwo.More);
        Assert.Equal(["s3", "s4", "s5"], afterTwo.Events.Select(e => e.Sessions.Single().Id));
        Assert.Equal(all.Events[^1].Cursor, latest);
        Assert.Empty((await Store.ReadAsync(latest, 10, default)).Events);
        Assert.True(Store.CompareCursors(all.Events[0].Cursor, all.Events[1].Cursor) < 0);
        Assert.Equal(0, Store.CompareCursors(latest!, all.Events[^1].Cursor));
    }

    [Fact]
    public async Task Log_Empty_ReadsNothingFromItsLatestCursor()
    {
        var latest = await Store.LatestCursorAsync(default);

        Assert.NotNull(latest);
        Assert.Empty((await Store.ReadAsync(latest, 10, default)).Events);
    }

    [Fact]
    public async Task Cursor_OlderThanTheRetainedHistory_IsOutOfRange()
    {
        var start = await Store.LatestCursorAsync(default);
        for (var i = 0; i < Options.EventRetention * 3; i++)
        {
            await AddAsync(Session($"s{i:D4}"));
            await Store.EndAsync(End(ids: [$"s{i:D4}"]), default);
        }

        var ex = await Assert.ThrowsAsync<CursorOutOfRangeException>(() => Store.ReadAsync(start, 10, default).AsTask());

        Assert.False(ex.Malformed);
        Assert.Contains("older than the retained history", ex.Message);
    }

    [Fact]
    public async Task Cursor_AheadOfTheLog_IsOutOfRange()
    {
        await AddAsync(Session("s1"));
        var ended = await Store.EndAsync(End(ids: ["s1"]), default);
        var cursor = ended.Event!.Cursor;
        var ahead = cursor[..(cursor.IndexOf('.') + 1)] + (cursor.Contains('-') ? "99999999999999-0" : "999999");

        var ex = await Assert.ThrowsAsync<CursorOutOfRangeException>(() => Store.ReadAsync(ahead, 10, default).AsTask());

        Assert.False(ex.Malformed);
        Assert.Contains("ahead of the log", ex.Message);
    }

    [Theory]
    [InlineData("not-a-cursor")]
    [InlineData("abc.")]
    [InlineData(".5")]
    [InlineData("ab!cd.5")]
    public async Task Cursor_NotOfThisLog_IsMalformed(string cursor)
    {
        var ex = await Assert.ThrowsAsync<CursorOutOfRangeException>(() => Store.ReadAsync(cursor, 10, default).AsTask());

        Assert.True(ex.Malformed);
    }

    [Fact]
    public async Task Cursor_FromALogThatWasLost_IsOutOfRange_NotAnotherEvent()
    {
        await AddAsync(Session("s1"), Session("s2"));
        var before = (await Store.EndAsync(End(ids: ["s1"]), default)).Event!.Cursor;

        _store = await AfterLosingTheLogAsync();
        await AddAsync(Session("n1"), Session("n2"));
        await Store.EndAsync(End(ids: ["n1"]), default);
        await Store.EndAsync(End(ids: ["n2"]), default);
        var ex = await Assert.ThrowsAsync<CursorOutOfRangeException>(() => Store.ReadAsync(before, 10, default).AsTask());

        Assert.False(ex.Malformed);
        Assert.Contains("another incarnation", ex.Message);
        Assert.Throws<CursorOutOfRangeException>(() => Store.CompareCursors((Store.LatestCursorAsync(default).AsTask().Result)!, before));
    }
}
