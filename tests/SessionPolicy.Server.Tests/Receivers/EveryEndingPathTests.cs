using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Receivers;

/// <summary>
/// Every way a session ends (an admin, the idle timeout, the maximum duration, a new policy, a risk signal, a disabled
/// principal) reaches every kind of receiver: an OIDC relying party, a Shared Signals push receiver and a poll receiver,
/// each validating what it gets; the SETs carry the reason.
/// </summary>
public sealed class EveryEndingPathTests : IAsyncLifetime
{
    private const string RiskPolicy = """
        version: 1
        defaults: { max_session: 1h, idle_timeout: 30m }
        guardrails:
          - name: critical-risk
            reason: risk engine says critical
            when: { context: { risk_score_at_least: 90 } }
            action: deny
        """;

    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"paths-{Guid.NewGuid():N}.pem");
    // From now: the relying party checks the logout tokens' exp against its own (real) clock.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private RelyingParty _rp = null!;
    private SignalReceiver _push = null!;
    private PolicyServiceFactory _service = null!;

    private string Jwks => _service.Services.GetRequiredService<SigningKeys>().Jwks;

    public async Task InitializeAsync()
    {
        BackChannelDeliveryTests.WriteKey(_keyFile);
        _rp = await RelyingParty.StartAsync(() => Jwks, BackChannelDeliveryTests.Issuer);
        _push = await SignalReceiver.StartAsync(() => Task.FromResult(Jwks), BackChannelDeliveryTests.Issuer);
        var settings = BackChannelDeliveryTests.Settings(_keyFile, _rp);
        settings["SessionPolicy:Receivers:List:1:Name"] = "signals";
        settings["SessionPolicy:Receivers:List:1:Kind"] = "ssf-push";
        settings["SessionPolicy:Receivers:List:1:Url"] = _push.Url;
        settings["SessionPolicy:Receivers:List:1:Audiences:0"] = "app-a";
        settings["SessionPolicy:Receivers:List:1:SubjectFormat"] = "iss_sub";
        settings["SessionPolicy:Receivers:List:2:Name"] = "poller";
        settings["SessionPolicy:Receivers:List:2:Kind"] = "ssf-poll";
        settings["SessionPolicy:Receivers:List:2:Audiences:0"] = "app-a";
        _service = new PolicyServiceFactory(RiskPolicy, _clock, settings);
        _ = _service.Server;
        // The poll receiver's cursor starts at the log's end with its first poll.
        await PollAsync(0);
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _push.DisposeAsync();
        await _rp.DisposeAsync();
        File.Delete(_keyFile);
    }

    private async Task<SharedSignalsPoll.Answer> PollAsync(int max, params string[] ack)
    {
        var receiver = (await _service.Services.GetRequiredService<ReceiverCatalog>().FindAsync("poller"))!;
        return await _service.Services.GetRequiredService<SharedSignalsPoll>().PollAsync(receiver,
            new SharedSignalsPoll.Request(max, true, ack, new Dictionary<string, string>()), TimeSpan.Zero, CancellationToken.None);
    }

    private async Task EndedAsync(string principal)
    {
        await _rp.TakenForAsync(principal);
        await _push.TakenForAsync(principal);
    }

    [Fact]
    public async Task EveryEndingPath_ReachesEveryKindOfReceiver_WithItsReason()
    {
        var events = Client(_service);
        var admin = (await events.RegisterSessionAsync(Register("p-admin"))).Session.SessionId;
        await events.RegisterSessionAsync(Register("p-risk"));
        await events.RegisterSessionAsync(Register("p-disabled"));
        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = admin });
        await events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "p-risk", RiskScore = 95 });
        await events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "p-disabled", DisablePrincipal = true });
        await EndedAsync("p-disabled");

        // Idle: p-idle does nothing for 31 minutes; p-max stays active until its hour is up.
        await events.RegisterSessionAsync(Register("p-idle"));
        var max = (await events.RegisterSessionAsync(Register("p-max"))).Session.SessionId;
        _clock.Advance(TimeSpan.FromMinutes(20));
        await events.RecordActivityAsync(Activity(max));
        _clock.Advance(TimeSpan.FromMinutes(11));
        await EndedAsync("p-idle");
        await events.RecordActivityAsync(Activity(max));
        _clock.Advance(TimeSpan.FromMinutes(20));
        await events.RecordActivityAsync(Activity(max));
        var policy = (await events.RegisterSessionAsync(Register("p-policy"))).Session.SessionId;
        _clock.Advance(TimeSpan.FromMinutes(10));
        await EndedAsync("p-max");

        // A new policy of 15 minutes (the shortest there is) ends p-policy (19 minutes old, just active).
        await events.RecordActivityAsync(Activity(policy));
        _clock.Advance(TimeSpan.FromMinutes(9));
        await events.RecordActivityAsync(Activity(policy));
        await File.WriteAllTextAsync(_service.PolicyPath!, "version: 1\ndefaults: { max_session: 15m, idle_timeout: 10m }\n");
        var applied = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _service.Services.GetRequiredService<PolicyEnforcer>().Applied += (_, ended) => applied.TrySetResult(ended);
        _service.Services.GetRequiredService<PolicyStore>().Reload();
        Assert.Equal(1, await applied.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await EndedAsync("p-policy");

        var principals = new[] { "p-admin", "p-risk", "p-disabled", "p-idle", "p-max", "p-policy" };
        var reasons = new[] { "Admin", "RiskSignal", "PrincipalDisabled", "IdleTimeout", "MaxDuration", "PolicyChanged" };
        var oidc = _rp.Snapshot();
        var pushed = _push.Snapshot();
        var polled = await PollAsync(100);
        var polledSets = new List<SignalReceiver.Received>();
        foreach (var (_, set) in polled.Sets)
        {
            var (token, invalid) = await SignalReceiver.ValidateAsync(set, Jwks, BackChannelDeliveryTests.Issuer);
            polledSets.Add(SignalReceiver.Read(token, invalid, "", "", System.Net.HttpStatusCode.OK));
        }

        Assert.Equal(principals, oidc.Select(r => r.Subject));
        Assert.All(oidc, r => Assert.Null(r.Invalid));
        foreach (var sets in new[] { pushed, polledSets })
        {
            Assert.All(sets, s => Assert.Null(s.Invalid));
            Assert.Equal(principals, sets.Select(s => s.Principal));
            Assert.All(sets, s => Assert.Equal("https://schemas.openid.net/secevent/caep/event-type/session-revoked", s.EventType));
            Assert.All(sets, s => Assert.Equal(["app-a"], s.Audiences));
            Assert.Equal(reasons, sets.Select(s => s.ReasonAdmin.Split(':')[0]));
        }
        Assert.All(pushed, s => Assert.Equal(("iss_sub", BackChannelDeliveryTests.Issuer), (s.SubId.GetProperty("format").GetString(), s.SubId.GetProperty("iss").GetString())));
        Assert.All(pushed, s => Assert.Equal("application/secevent+jwt", s.ContentType));
        Assert.All(polledSets, s => Assert.Equal("opaque", s.SubId.GetProperty("format").GetString()));
        Assert.False(polled.MoreAvailable);
    }
}
