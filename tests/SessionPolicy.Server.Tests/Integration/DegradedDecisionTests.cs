using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using StackExchange.Redis;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>
/// Degraded never outlives the fault, and never answers a principal more permissively than what this replica
/// has seen: two replicas on one real redis-server (append-only, so a kill loses nothing), a critical-risk and a
/// disabled principal reported on A, then Redis paused (CLIENT PAUSE) or killed while B decides.
/// </summary>
public sealed class DegradedDecisionTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private PolicyServiceFactory _a = null!;
    private PolicyServiceFactory _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(persistent: true);
        var settings = _redis.SharedSettings();
        _a = new PolicyServiceFactory(settings: settings);
        _b = new PolicyServiceFactory(settings: settings);
        // Both replicas answer with Redis before anything else happens.
        await Client(_a).DecideAsync(Sample.Human(id: "warm-up"));
        await Client(_b).DecideAsync(Sample.Human(id: "warm-up"));
    }

    public async Task DisposeAsync()
    {
        _a.Dispose();
        _b.Dispose();
        await _redis.DisposeAsync();
    }

    private static SessionPolicyService.SessionPolicyServiceClient Client(PolicyServiceFactory f) => new(f.Channel);

    /// <summary>On A: a critical risk score for crit, a disabled principal for mal; returns once B has heard of both.</summary>
    private async Task ReportOnAAsync()
    {
        var heard = Task.WhenAll(ReplicaEvents.Heard(_b, "crit"), ReplicaEvents.Heard(_b, "mal"));
        var signals = new SessionEventsService.SessionEventsServiceClient(_a.Channel);
        await signals.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "crit", RiskScore = 95 });
        await signals.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "mal", DisablePrincipal = true });
        await heard.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A request of <paramref name="principal"/> in a variant of its own, so no earlier answer is cached for it.</summary>
    private static DecideRequest Ask(string principal, string variant)
    {
        var request = Sample.Human(id: principal);
        request.Principal.Groups.Add(variant);
        return request;
    }

    /// <summary>Both decided at once, so a pause holds them for one operation budget, not two.</summary>
    private async Task<(Decision Crit, Decision Mal)> DecideOnBAsync(string variant)
    {
        var crit = Client(_b).DecideAsync(Ask("crit", variant)).ResponseAsync;
        var mal = Client(_b).DecideAsync(Ask("mal", variant)).ResponseAsync;
        return ((await crit).Decision, (await mal).Decision);
    }

    /// <summary>A short pause: longer than the 1 s budget the degraded decisions wait out together, shorter than any reconnect.</summary>
    private const int ShortPause = 3000;

    /// <summary>A long pause: past the client's own timeouts, so the connection may be given up and made again.</summary>
    private const int LongPause = 8000;

    /// <summary>
    /// Pauses every client of Redis (CLIENT PAUSE ... ALL; Redis 7 holds even CLIENT UNPAUSE, so the pause runs its
    /// time) and returns a task that completes when it is over: a PING sent on the pausing connection is answered
    /// only then.
    /// </summary>
    private async Task<Task> PauseAsync(int milliseconds = ShortPause)
    {
        var admin = await ConnectionMultiplexer.ConnectAsync($"{_redis.Configuration},allowAdmin=true,asyncTimeout=30000,syncTimeout=30000");
        // Awaited: once Redis has answered, it holds every other client's commands.
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", milliseconds.ToString(), "ALL");
        var over = admin.GetDatabase().PingAsync();
        return over.ContinueWith(async _ => await admin.DisposeAsync()).Unwrap();
    }

    [Fact]
    public async Task RedisPaused_AfterBReadTheState_NoAllowDuringOrAfter_AndNothingDegradedIsServedLater()
    {
        await ReportOnAAsync();
        var (critRead, malRead) = await DecideOnBAsync("read");

        var over = await PauseAsync();
        var (crit, mal) = await DecideOnBAsync("paused");
        await over.WaitAsync(TimeSpan.FromSeconds(30));
        var (critAfter, malAfter) = await DecideOnBAsync("paused");

        Assert.Equal((Outcome.Deny, Outcome.Reauthenticate), (critRead.Outcome, malRead.Outcome));
        Assert.True(crit.Degraded && mal.Degraded);
        // Degraded, from what B last read: the risk denies, the revocation asks for a new sign-in.
        Assert.Equal((Outcome.Deny, Outcome.Reauthenticate), (crit.Outcome, mal.Outcome));
        // The same requests once Redis answers: decided again, not the degraded answers from a cache.
        Assert.Equal((false, false), (critAfter.Degraded, malAfter.Degraded));
        Assert.NotEqual(crit.DecisionId, critAfter.DecisionId);
        Assert.NotEqual(mal.DecisionId, malAfter.DecisionId);
        Assert.Equal((Outcome.Deny, Outcome.Reauthenticate), (critAfter.Outcome, malAfter.Outcome));
    }

    [Fact]
    public async Task RedisPaused_BeforeBReadTheState_AChangeHeardOfAsksForReauthentication()
    {
        await ReportOnAAsync();

        var over = await PauseAsync();
        var ordinaryCall = Client(_b).DecideAsync(Sample.Human(id: "olga")).ResponseAsync;
        var (crit, mal) = await DecideOnBAsync("paused");
        var ordinary = (await ordinaryCall).Decision;
        await over.WaitAsync(TimeSpan.FromSeconds(30));
        var (critAfter, malAfter) = await DecideOnBAsync("paused");

        // B heard both changes announced and could not read them: it does not allow.
        Assert.Equal((Outcome.Reauthenticate, Outcome.Reauthenticate), (crit.Outcome, mal.Outcome));
        Assert.StartsWith("re-authenticate (the principal's state changed", crit.Summary);
        // A principal B heard nothing of is decided as usual, flagged degraded.
        Assert.Equal((Outcome.Allow, true), (ordinary.Outcome, ordinary.Degraded));
        Assert.Equal((Outcome.Deny, Outcome.Reauthenticate), (critAfter.Outcome, malAfter.Outcome));
    }

    [Fact]
    public async Task RedisPausedLongerThanTheClientWaits_NoAllowDuringOrAfter()
    {
        await ReportOnAAsync();
        await DecideOnBAsync("read");

        var over = await PauseAsync(LongPause);
        var (crit, mal) = await DecideOnBAsync("paused");
        await over.WaitAsync(TimeSpan.FromSeconds(30));
        // Right after the pause the connection may still be coming back: whatever B answers, it does not allow.
        var (critAfter, malAfter) = await DecideOnBAsync("paused");

        Assert.Equal((Outcome.Deny, Outcome.Reauthenticate), (crit.Outcome, mal.Outcome));
        Assert.Equal((Outcome.Deny, Outcome.Reauthenticate), (critAfter.Outcome, malAfter.Outcome));
    }

    [Fact]
    public async Task RedisKilled_NoAllowWhileDown_NorAfterItIsBack()
    {
        await ReportOnAAsync();
        await DecideOnBAsync("read");
        var restored = ReplicaEvents.Restored(_b);

        await _redis.StopAsync();
        var (crit, mal) = await DecideOnBAsync("down");
        await _redis.RestartAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));
        var (critAfter, malAfter) = await DecideOnBAsync("down");

        Assert.True(crit.Degraded && mal.Degraded);
        Assert.Equal((Outcome.Deny, Outcome.Reauthenticate), (crit.Outcome, mal.Outcome));
        Assert.Equal((false, false), (critAfter.Degraded, malAfter.Degraded));
        Assert.Equal((Outcome.Deny, Outcome.Reauthenticate), (critAfter.Outcome, malAfter.Outcome));
    }

}
