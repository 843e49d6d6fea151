using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Receivers;

/// <summary>OIDC Back-Channel Logout to a relying party on loopback that validates each token: every ending reaches it, in order, through failures.</summary>
public sealed class BackChannelDeliveryTests : IAsyncLifetime
{
    internal const string Issuer = "https://session-policy.test";
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"bcl-{Guid.NewGuid():N}.pem");
    private RelyingParty _rp = null!;
    private PolicyServiceFactory _service = null!;

    /// <summary>Settings for a service delivering to <paramref name="rp"/> under the receiver name <c>portal</c>.</summary>
    internal static Dictionary<string, string?> Settings(string keyFile, RelyingParty rp) => new()
    {
        ["SessionPolicy:SecurityEventTokens:KeyFile"] = keyFile,
        ["SessionPolicy:SecurityEventTokens:Issuer"] = Issuer,
        ["SessionPolicy:Receivers:AllowHttpLoopback"] = "true",
        ["SessionPolicy:Receivers:MinBackoff"] = "00:00:00.010",
        ["SessionPolicy:Receivers:MaxBackoff"] = "00:00:00.050",
        ["SessionPolicy:Receivers:List:0:Name"] = "portal",
        ["SessionPolicy:Receivers:List:0:Kind"] = "oidc-backchannel",
        ["SessionPolicy:Receivers:List:0:Url"] = rp.Url,
        ["SessionPolicy:Receivers:List:0:Audiences:0"] = "app-a",
        ["SessionPolicy:Receivers:List:0:AuthorizationHeader"] = "Bearer rp-secret",
    };

    internal static void WriteKey(string keyFile)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        File.WriteAllText(keyFile, key.ExportECPrivateKeyPem());
    }

    public async Task InitializeAsync()
    {
        WriteKey(_keyFile);
        _rp = await RelyingParty.StartAsync(() => _service.Services.GetRequiredService<SigningKeys>().Jwks, Issuer);
        _service = new PolicyServiceFactory(Sample.OneHourPolicy, settings: Settings(_keyFile, _rp));
        _ = _service.Server;
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _rp.DisposeAsync();
        File.Delete(_keyFile);
    }

    private SessionReceiversService.SessionReceiversServiceClient Receivers() => new(_service.Channel);

    /// <summary>
    /// The receiver's state once <paramref name="counted"/> holds: the relying party has answered before the service reads
    /// the answer and counts it, so the count can trail what the relying party saw by that one step.
    /// </summary>
    private async Task<ReceiverState> StateAsync(Func<ReceiverState, bool> counted)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var state = Assert.Single((await Receivers().ListReceiversAsync(new ListReceiversRequest(), cancellationToken: deadline.Token)).Receivers);
            if (counted(state)) return state;
            await Task.Yield();
        }
    }

    private async Task<string> EndAsync(string principal, string audience = "app-a")
    {
        var id = (await Client(_service).RegisterSessionAsync(Register(principal, audience))).Session.SessionId;
        await Client(_service).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        return id;
    }

    [Fact]
    public async Task Logout_ReachesTheRelyingParty_AsAValidLogoutToken_WithItsAuthorization()
    {
        await EndAsync("alice");

        var received = Assert.Single(await _rp.TakenAsync(1));

        Assert.Null(received.Invalid);
        Assert.Equal("app-a", received.Audience);
        Assert.Equal("alice", received.Subject);
        Assert.Equal("Bearer rp-secret", received.Authorization);
    }

    [Fact]
    public async Task SessionMintedElsewhere_IsNamedBySid_TheServicesOwnByTheSubjectOnly()
    {
        await Client(_service).RegisterSessionAsync(Register("jo", id: "idp-session-7"));
        await Client(_service).RegisterSessionAsync(Register("jo"));
        await Client(_service).ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "jo" });

        var received = await _rp.TakenAsync(2);

        Assert.All(received, r => Assert.Null(r.Invalid));
        Assert.Equal([("jo", "idp-session-7"), ("jo", (string?)null)], received.Select(r => (r.Subject, r.Sid)).OrderBy(r => r.Item2 is null));
    }

    [Fact]
    public async Task PrincipalDisabledBySignal_ReachesTheRelyingParty()
    {
        await Client(_service).RegisterSessionAsync(Register("lee"));

        await Client(_service).ReportSignalAsync(new ReportSignalRequest { PrincipalId = "lee", DisablePrincipal = true });
        var received = Assert.Single(await _rp.TakenAsync(1));

        Assert.Equal("lee", received.Subject);
        Assert.Null(received.Invalid);
    }

    [Fact]
    public async Task SessionsOfOtherAudiences_AreNotSent()
    {
        await EndAsync("bob", audience: "app-b");
        await EndAsync("carol");

        var received = await _rp.TakenAsync(1);

        Assert.Equal(["carol"], received.Select(r => r.Subject));
    }

    [Fact]
    public async Task ReceiverFailing_ThenBack_GetsEveryEventInOrder_EachRetryWithTheSameJti()
    {
        var meters = _service.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var attempts = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(meters, "SessionPolicy.Server", "sessionpolicy.receiver.deliveries");
        using var latency = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<double>(meters, "SessionPolicy.Server", "sessionpolicy.receiver.delivery_latency");
        foreach (var status in new[] { HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError }) _rp.Answers.Enqueue(status);
        foreach (var p in new[] { "dan", "erin", "fay" }) await EndAsync(p);

        var received = await _rp.TakenAsync(3);

        var state = await StateAsync(s => s.Delivered == 3);

        Assert.All(received, r => Assert.Null(r.Invalid));
        Assert.Equal(["dan", "erin", "fay"], received.Where(r => r.Answer == HttpStatusCode.OK).Select(r => r.Subject));
        Assert.Equal(4, received.Count(r => r.Subject == "dan"));
        Assert.Single(received.Where(r => r.Subject == "dan").Select(r => r.Jti).Distinct());
        Assert.Equal(3, received.Select(r => r.Jti).Distinct().Count());
        Assert.Equal(0, state.Failed);
        Assert.Contains("HTTP 500", state.LastError);
        Assert.NotNull(state.LastSuccess);
        var outcomes = attempts.GetMeasurementSnapshot().Select(m => ((string)m.Tags["receiver"]!, (string)m.Tags["outcome"]!)).ToList();
        Assert.Equal(3, outcomes.Count(o => o == ("portal", "failing")));
        Assert.Equal(3, outcomes.Count(o => o == ("portal", "delivered")));
        Assert.Equal(3, latency.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task ListReceivers_ShowsEachReceiverAndHowFarBehindItIs_NeverItsAuthorization()
    {
        await EndAsync("kim");
        await _rp.TakenAsync(1);

        await StateAsync(s => s.Delivered == 1 && s.LagEvents == 0);
        var listed = await Receivers().ListReceiversAsync(new ListReceiversRequest());
        var state = Assert.Single(listed.Receivers);

        Assert.Equal(("portal", "oidc-backchannel", _rp.Url), (state.Name, state.Kind, state.Url));
        Assert.Equal(["app-a"], state.Audiences);
        Assert.True(state.HasAuthorization);
        Assert.DoesNotContain("rp-secret", listed.ToString());
        Assert.NotEmpty(state.Cursor);
        Assert.Equal(0, state.LagEvents);
        Assert.Equal(0, state.LagSeconds);
        Assert.Empty(state.LastError);
    }

    [Fact]
    public async Task TokenRefusedWith400_IsNotRetried_AndTheEventsAfterItGoOn()
    {
        _rp.Answers.Enqueue(HttpStatusCode.BadRequest);
        await EndAsync("gus");
        await EndAsync("hal");

        var received = await _rp.TakenAsync(1);

        var state = await StateAsync(s => s.Delivered == 1);

        Assert.Equal([("gus", HttpStatusCode.BadRequest), ("hal", HttpStatusCode.OK)], received.Select(r => (r.Subject, r.Answer)));
        Assert.Equal(1, state.Failed);
        Assert.Contains("error invalid_request", state.LastError);
    }
}

/// <summary>A receiver that hears of some principals only.</summary>
public sealed class BackChannelPrincipalFilterTests : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"bcl-{Guid.NewGuid():N}.pem");
    private RelyingParty _rp = null!;
    private PolicyServiceFactory _service = null!;

    public async Task InitializeAsync()
    {
        BackChannelDeliveryTests.WriteKey(_keyFile);
        _rp = await RelyingParty.StartAsync(() => _service.Services.GetRequiredService<SigningKeys>().Jwks, BackChannelDeliveryTests.Issuer);
        var settings = BackChannelDeliveryTests.Settings(_keyFile, _rp);
        settings["SessionPolicy:Receivers:List:0:Principals:0"] = "vip";
        _service = new PolicyServiceFactory(Sample.OneHourPolicy, settings: settings);
        _ = _service.Server;
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _rp.DisposeAsync();
        File.Delete(_keyFile);
    }

    [Fact]
    public async Task OnlyTheListedPrincipalsSessions_AreSent()
    {
        foreach (var p in new[] { "someone", "vip" })
        {
            var id = (await Client(_service).RegisterSessionAsync(Register(p))).Session.SessionId;
            await Client(_service).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        }

        var received = await _rp.TakenAsync(1);
        var state = Assert.Single((await new SessionReceiversService.SessionReceiversServiceClient(_service.Channel).ListReceiversAsync(new ListReceiversRequest())).Receivers);

        Assert.Equal(["vip"], received.Select(r => r.Subject));
        Assert.Equal(["vip"], state.Principals);
    }
}

/// <summary>Endings by the clock reach the relying party too (the sweeper on a fake clock).</summary>
public sealed class BackChannelExpiryTests : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"bcl-{Guid.NewGuid():N}.pem");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private RelyingParty _rp = null!;
    private PolicyServiceFactory _service = null!;

    public async Task InitializeAsync()
    {
        BackChannelDeliveryTests.WriteKey(_keyFile);
        _rp = await RelyingParty.StartAsync(() => _service.Services.GetRequiredService<SigningKeys>().Jwks, BackChannelDeliveryTests.Issuer);
        _service = new PolicyServiceFactory(Sample.OneHourPolicy, clock: _clock, settings: BackChannelDeliveryTests.Settings(_keyFile, _rp));
        _ = _service.Server;
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _rp.DisposeAsync();
        File.Delete(_keyFile);
    }

    [Fact]
    public async Task IdleTimeout_ReachesTheRelyingParty()
    {
        await Client(_service).RegisterSessionAsync(Register("ivy"));

        _clock.Advance(TimeSpan.FromMinutes(61));
        var received = Assert.Single(await _rp.TakenAsync(1));

        Assert.Equal("ivy", received.Subject);
        Assert.Null(received.Invalid);
    }
}
