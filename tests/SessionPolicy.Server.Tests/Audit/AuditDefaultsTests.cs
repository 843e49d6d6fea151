using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Audit;

/// <summary>
/// The audit trail is on without any setting and complete: the embedded default writes it to the XDG state folder; a
/// logout names each ended session's decision and policy version; a session shortened by a new policy has its own record
/// with both deadlines; long sessions are marked and counted; a trail that cannot be written stops the start.
/// </summary>
public sealed class AuditDefaultsTests
{
    private const string TenHourPolicy = """
        version: 1
        defaults: { max_session: 10h, idle_timeout: 1h }
        """;

    private const string TwoHourPolicy = """
        version: 1
        defaults: { max_session: 2h, idle_timeout: 1h }
        """;

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task TheEmbeddedDefault_WritesTheTrail_WithoutAnySetting_ToTheStateFolder_ReadableByItsUserOnly()
    {
        await using var server = await ServerProcess.StartAsync();
        var events = new SessionEventsService.SessionEventsServiceClient(server.Channel);
        var registered = (await events.RegisterSessionAsync(Register("ann"))).Session;

        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = registered.SessionId, Actor = "secops" });

        var file = Path.Combine(server.StateHome, "session-policy", "audit.jsonl");
        var logout = await AuditLines.WaitForAsync(file, "logout");
        var started = Assert.Single(AuditLines.Read(file), r => r.GetProperty("type").GetString() == "session.registered");
        Assert.Equal(registered.SessionId, logout.GetProperty("sessions")[0].GetString());
        Assert.Equal(started.GetProperty("decision_id").GetString(), logout.GetProperty("decision_id").GetString());
        Assert.Equal(started.GetProperty("policy_version").GetString(), logout.GetProperty("policy_version").GetString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(file)!));
    }

    [Fact]
    public async Task ATrailThatCannotBeWritten_StopsTheStart_NamingTheSetting()
    {
        var (exit, output) = await ServerProcess.RunToExitAsync(new Dictionary<string, string> { ["SessionPolicy__Audit__Path"] = "/proc/self/no-such/audit.jsonl" });

        Assert.NotEqual(0, exit);
        Assert.Contains("SessionPolicy:Audit:Path: cannot append to /proc/self/no-such/audit.jsonl", output);
        Assert.Contains("'-' for standard output, or 'off'", output);
    }

    [Fact]
    public async Task Off_WritesNoTrail()
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?> { ["SessionPolicy:Audit:Path"] = "off" });
        await Client(server).RegisterSessionAsync(Register("ann"));

        Assert.Null(server.Services.GetRequiredService<AuditTrail>().Destination);
        Assert.False(File.Exists(server.AuditFile));
    }

    [Fact]
    public async Task ALogoutOfSeveralSessions_NamesEachWithTheDecisionAndPolicyItStartedUnder()
    {
        using var server = new PolicyServiceFactory();
        var client = Client(server);
        var first = (await client.RegisterSessionAsync(Register("ann"))).Session.SessionId;
        var second = (await client.RegisterSessionAsync(Register("ann", audience: "app-b"))).Session.SessionId;

        await client.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "ann", Actor = "secops" });

        var logout = await AuditLines.WaitForAsync(server.AuditFile, "logout");
        var starts = AuditLines.Read(server.AuditFile).Where(r => r.GetProperty("type").GetString() == "session.registered")
            .ToDictionary(r => r.GetProperty("sessions")[0].GetString()!);
        var ended = logout.GetProperty("ended").EnumerateArray().ToDictionary(e => e.GetProperty("session").GetString()!);
        Assert.Equal(new[] { first, second }.Order(), ended.Keys.Order());
        foreach (var (id, e) in ended)
        {
            Assert.Equal(starts[id].GetProperty("decision_id").GetString(), e.GetProperty("decision_id").GetString());
            Assert.Equal(starts[id].GetProperty("policy_version").GetString(), e.GetProperty("policy_version").GetString());
            Assert.True(e.GetProperty("expires_at").GetDateTimeOffset() > e.GetProperty("issued_at").GetDateTimeOffset());
        }
        Assert.False(logout.TryGetProperty("decision_id", out _), "two sessions: no single decision at the top");
    }

    [Fact]
    public async Task ASessionShortenedByANewPolicy_HasItsOwnRecord_WithTheOldAndNewDeadlines()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = new PolicyServiceFactory(TenHourPolicy, clock);
        var client = Client(server);
        var session = (await client.RegisterSessionAsync(Register("ann"))).Session;
        clock.Advance(TimeSpan.FromMinutes(30));

        var applied = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Services.GetRequiredService<PolicyEnforcer>().Applied += (_, ended) => applied.TrySetResult(ended);
        await File.WriteAllTextAsync(server.PolicyPath!, TwoHourPolicy);
        server.Services.GetRequiredService<PolicyStore>().Reload();
        Assert.Equal(0, await applied.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        var shortened = await AuditLines.WaitForAsync(server.AuditFile, "session.shortened");
        var issued = session.IssuedAt.ToDateTimeOffset();
        Assert.Equal(session.SessionId, shortened.GetProperty("sessions")[0].GetString());
        Assert.Equal(issued.AddHours(10), shortened.GetProperty("old_deadline").GetDateTimeOffset());
        Assert.Equal(issued.AddHours(2), shortened.GetProperty("new_deadline").GetDateTimeOffset());
        Assert.Equal("policy", shortened.GetProperty("actor").GetString());
        Assert.Equal(7200, shortened.GetProperty("max_session_seconds").GetInt32());
        Assert.DoesNotContain(AuditLines.Read(server.AuditFile), r => r.GetProperty("type").GetString() == "logout");
    }

    [Theory]
    [InlineData(null, true)]           // 10 h is long against the default 4 h
    [InlineData("11:00:00", false)]    // not against 11 h
    public async Task ALongSession_IsMarkedInItsRecords_AndCounted(string? threshold, bool isLong)
    {
        var settings = new Dictionary<string, string?>();
        if (threshold is not null) settings["SessionPolicy:Sessions:LongSessionThreshold"] = threshold;
        using var server = new PolicyServiceFactory(TenHourPolicy, settings: settings);
        using var counted = new MetricCollector<long>(server.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "SessionPolicy.Server", "sessionpolicy.sessions.long");
        var client = Client(server);
        var id = (await client.RegisterSessionAsync(Register("ann"))).Session.SessionId;
        await client.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id, Actor = "secops" });

        var logout = await AuditLines.WaitForAsync(server.AuditFile, "logout");
        var started = Assert.Single(AuditLines.Read(server.AuditFile), r => r.GetProperty("type").GetString() == "session.registered");
        Assert.Equal(isLong, started.TryGetProperty("long", out var l) && l.GetBoolean());
        Assert.Equal(isLong, logout.TryGetProperty("long", out var m) && m.GetBoolean());
        Assert.Equal(isLong ? 1 : 0, counted.GetMeasurementSnapshot().Sum(x => x.Value));
    }

    [Fact]
    public void ALongSessionThresholdOutOfRange_StopsTheStart()
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?> { ["SessionPolicy:Sessions:LongSessionThreshold"] = "1.00:00:00" });

        var ex = Assert.ThrowsAny<Exception>(() => server.Server);

        Assert.Contains("SessionPolicy:Sessions:LongSessionThreshold must be between 00:01:00 and 12:00:00", ex.ToString());
    }
}
