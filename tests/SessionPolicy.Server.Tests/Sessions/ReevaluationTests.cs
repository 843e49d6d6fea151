using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Sessions;

/// <summary>Running sessions follow a new policy and the principal's risk signals.</summary>
public sealed class ReevaluationTests : IDisposable
{
    private const string RiskPolicy = """
        version: 1
        defaults: { max_session: 1h, idle_timeout: 30m }
        guardrails:
          - name: elevated-risk
            reason: risk engine says elevated
            when: { context: { risk_score_at_least: 50 } }
            max_session: 15m
          - name: critical-risk
            reason: risk engine says critical
            when: { context: { risk_score_at_least: 90 } }
            action: deny
        """;

    private const string HalfHourPolicy = """
        version: 1
        defaults: { max_session: 30m, idle_timeout: 10m }
        """;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly PolicyServiceFactory _server;
    private readonly SessionEventsService.SessionEventsServiceClient _client;

    public ReevaluationTests()
    {
        _server = new PolicyServiceFactory(RiskPolicy, _clock);
        _client = Client(_server);
    }

    public void Dispose() => _server.Dispose();

    private async Task<string> RegisterAsync(string principal) => (await _client.RegisterSessionAsync(Register(principal))).Session.SessionId;

    private async Task<SessionInfo> SessionAsync(string id) =>
        (await _client.ListSessionsAsync(new ListSessionsRequest { PageSize = 1000 })).Sessions.Single(s => s.SessionId == id);

    [Fact]
    public async Task NewPolicy_EndsExactlyTheSessionsBeyondIt_AndCutsTheOthers()
    {
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);
        var old1 = await RegisterAsync("ann");
        var old2 = await RegisterAsync("ann");
        _clock.Advance(TimeSpan.FromMinutes(20));
        var young = await RegisterAsync("ben");
        _clock.Advance(TimeSpan.FromMinutes(9));
        // All active at 29 min; the new policy allows 30 min with 10 min idle.
        await _client.RecordActivityAsync(Activity(old1));
        await _client.RecordActivityAsync(Activity(old2));
        await _client.RecordActivityAsync(Activity(young));
        _clock.Advance(TimeSpan.FromMinutes(2));

        var applied = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Services.GetRequiredService<PolicyEnforcer>().Applied += (_, ended) => applied.TrySetResult(ended);
        await File.WriteAllTextAsync(_server.PolicyPath!, HalfHourPolicy);
        _server.Services.GetRequiredService<PolicyStore>().Reload();
        var ended = await applied.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var e = (await stream.NextEventAsync()).Event;

        Assert.Equal(2, ended);
        Assert.Equal(LogoutReason.PolicyChanged, e.Reason);
        Assert.Equal(new[] { old1, old2 }.Order(), e.SessionIds.Order());
        Assert.Equal("ann", e.PrincipalId);
        var cut = await SessionAsync(young);
        Assert.Equal(SessionState.Active, cut.State);
        Assert.Equal(_clock.GetUtcNow().AddMinutes(-11).AddMinutes(30), cut.ExpiresAt.ToDateTimeOffset());
        Assert.Equal(600, cut.IdleTimeoutSeconds);
        Assert.True(cut.Compliant);
        Assert.Equal(1800, cut.PolicyMaxSessionSeconds);
    }

    [Fact]
    public async Task RiskSignal_ShortensRunningSessions_AndEndsThoseAlreadyBeyond()
    {
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);
        var older = await RegisterAsync("cara");
        _clock.Advance(TimeSpan.FromMinutes(10));
        var newer = await RegisterAsync("cara");
        _clock.Advance(TimeSpan.FromMinutes(10));

        var response = await _client.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "cara", RiskScore = 60, Source = "ids", Detail = "impossible travel" });
        var e = (await stream.NextEventAsync()).Event;

        Assert.Equal([older], response.EndedSessionIds);
        Assert.Equal(response.EventId, e.EventId);
        Assert.Equal((LogoutReason.RiskSignal, "ids", "impossible travel"), (e.Reason, e.Actor, e.Detail));
        var cut = await SessionAsync(newer);
        Assert.Equal(SessionState.Active, cut.State);
        Assert.Equal(300, cut.AbsoluteRemainingSeconds);
    }

    [Fact]
    public async Task RiskSignal_ThatDenies_EndsEverySessionOfThePrincipal()
    {
        var one = await RegisterAsync("dan");
        var two = await RegisterAsync("dan");
        var other = await RegisterAsync("eve");

        var response = await _client.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "dan", RiskScore = 95 });

        Assert.Equal(new[] { one, two }.Order(), response.EndedSessionIds.Order());
        Assert.Equal(LogoutReason.RiskSignal, (await SessionAsync(one)).EndedReason);
        Assert.Equal(SessionState.Active, (await SessionAsync(other)).State);
    }

    [Fact]
    public async Task DisablePrincipal_EndsItsSessions_AsPrincipalDisabled()
    {
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);
        var id = await RegisterAsync("fay");

        var response = await _client.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "fay", RiskScore = 0, DisablePrincipal = true, Source = "hr" });
        var e = (await stream.NextEventAsync()).Event;

        Assert.Equal([id], response.EndedSessionIds);
        Assert.Equal((LogoutReason.PrincipalDisabled, "hr"), (e.Reason, e.Actor));
        Assert.Equal([id], e.SessionIds);
    }

    [Fact]
    public async Task LowRiskSignal_LeavesSessionsAlone()
    {
        var id = await RegisterAsync("gus");

        var response = await _client.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "gus", RiskScore = 10 });

        Assert.Empty(response.EndedSessionIds);
        Assert.Equal("", response.EventId);
        Assert.Equal(3600, (await SessionAsync(id)).AbsoluteRemainingSeconds);
    }
}
