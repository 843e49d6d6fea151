using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Ssm;

/// <summary>
/// Running Session Manager sessions follow the policy, against the SSM-compatible endpoint on loopback: each is
/// registered and listed, one beyond its maximum or a tightened policy is terminated and its ending reaches
/// subscribers, one SSM ended is ended here, and SSM failing is not fatal.
/// </summary>
public sealed class SsmSessionsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private const string Owner = "arn:aws:iam::123456789012:user/alice";

    private static SessionEventsService.SessionEventsServiceClient Events(SsmBed bed) => new(bed.Sts.Server.Channel);

    private static async Task<SessionInfo?> ListedAsync(SsmBed bed, string id) =>
        (await Events(bed).ListSessionsAsync(new ListSessionsRequest { PageSize = 1000 })).Sessions.FirstOrDefault(s => s.SessionId == id);

    [Fact]
    public async Task ARunningSession_IsRegisteredAsItsOwners_FromItsStart_WithThePolicysMaximumForItsEnvironment()
    {
        var started = DateTimeOffset.UtcNow.AddMinutes(-10);
        await using var bed = await SsmBed.StartAsync(prepare: ssm => ssm.AddSession("eu-west-1", new SsmSession("alice-0a1b2c3d4e5f", "i-0123456789abcdef0", Owner, started)));

        await bed.SessionsRoundAsync(Interval);

        var listed = await ListedAsync(bed, "ssm:eu-west-1:alice-0a1b2c3d4e5f");
        Assert.NotNull(listed);
        Assert.Equal("alice", listed.PrincipalId);
        Assert.Equal(SessionState.Active, listed.State);
        Assert.Equal(started.ToUnixTimeSeconds(), listed.IssuedAt.ToDateTimeOffset().ToUnixTimeSeconds());
        // production-human: 1 h from its start; SSM keeps its idle timeout, the service does not.
        Assert.Equal(started.AddHours(1).ToUnixTimeSeconds(), listed.ExpiresAt.ToDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal(0, listed.IdleTimeoutSeconds);
        Assert.Equal("Connected", bed.Ssm.Session("eu-west-1", "alice-0a1b2c3d4e5f")!.Status);
    }

    [Fact]
    public async Task ASessionBeyondItsMaximum_IsTerminated_AndItsEndingIsANormalOne()
    {
        await using var bed = await SsmBed.StartAsync(prepare: ssm => ssm.AddSession("eu-west-1", new SsmSession("bob-77", "i-0fedcba9876543210", "arn:aws:iam::123456789012:user/bob", DateTimeOffset.UtcNow.AddHours(-2))));

        await bed.SessionsRoundAsync(Interval);

        await Until.TrueAsync(() => Task.FromResult(bed.Ssm.Session("eu-west-1", "bob-77")!.Status == "Terminated"), "bob's session terminated in SSM");
        var record = await AuditLines.WaitForAsync(bed.AuditFile, "ssm.session_terminated");
        Assert.Equal("MaxDuration", record.GetProperty("reason").GetString());
        // A normal ending first: its logout record (and event) with the decision it was registered under.
        var logout = AuditLines.Read(bed.AuditFile).Single(r => r.GetProperty("type").GetString() == "logout");
        Assert.Equal("ssm:eu-west-1:bob-77", logout.GetProperty("sessions")[0].GetString());
        Assert.Equal("MaxDuration", logout.GetProperty("reason").GetString());
        Assert.Equal(record.GetProperty("decision_id").GetString(), logout.GetProperty("decision_id").GetString());
        Assert.Equal(SessionState.Ended, (await ListedAsync(bed, "ssm:eu-west-1:bob-77"))!.State);
    }

    [Fact]
    public async Task ATightenedPolicy_EndsTheSessionsOverIt_WithPolicyChanged_AndTheyAreTerminated_WithTheKpis()
    {
        await using var bed = await SsmBed.StartAsync(policyYaml: SsmBed.FourHourPolicy, prepare: ssm =>
        {
            ssm.AddSession("us-east-1", new SsmSession("carol-1", "i-01", "arn:aws:sts::123456789012:assumed-role/Dev/carol", DateTimeOffset.UtcNow.AddMinutes(-90)));
            ssm.AddSession("us-east-1", new SsmSession("dan-1", "i-02", "arn:aws:iam::123456789012:user/dan", DateTimeOffset.UtcNow.AddMinutes(-5)));
        });
        var meters = bed.Sts.Server.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var terminated = new MetricCollector<double>(meters, "SessionPolicy.Server", "sessionpolicy.ssm.time_to_terminate");
        using var overLimit = new MetricCollector<long>(meters, "SessionPolicy.Server", "sessionpolicy.ssm.sessions.over_limit_found");
        await bed.SessionsRoundAsync(Interval);
        Assert.Equal(SessionState.Active, (await ListedAsync(bed, "ssm:us-east-1:carol-1"))!.State);
        await using var stream = await LogoutStream.OpenAsync(bed.Sts.Server.Channel, ["aws-ssm"]);

        await bed.ReloadAsync(SsmBed.FourHourPolicy.Replace("max_session: 4h", "max_session: 1h", StringComparison.Ordinal));

        var e = (await stream.NextEventAsync()).Event;
        Assert.Equal(LogoutReason.PolicyChanged, e.Reason);
        Assert.Equal(["ssm:us-east-1:carol-1"], e.SessionIds);
        await bed.SessionsRoundAsync(Interval);
        await Until.TrueAsync(() => Task.FromResult(bed.Ssm.Session("us-east-1", "carol-1")!.Status == "Terminated"), "carol's session terminated");
        Assert.Equal("Connected", bed.Ssm.Session("us-east-1", "dan-1")!.Status);
        Assert.Equal(SessionState.Active, (await ListedAsync(bed, "ssm:us-east-1:dan-1"))!.State);
        var record = AuditLines.Read(bed.AuditFile).Single(r => r.GetProperty("type").GetString() == "ssm.session_terminated");
        Assert.Equal("PolicyChanged", record.GetProperty("reason").GetString());
        Assert.Single(terminated.GetMeasurementSnapshot());
        Assert.True(terminated.GetMeasurementSnapshot()[0].Value >= 0);
        Assert.Equal(1, overLimit.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.DoesNotContain(bed.Ssm.Calls, c => c.Action == "TerminateSession" && c.Input.Contains("dan-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASessionSsmNoLongerLists_EndedThere_AndIsEndedHere_WithoutATerminate()
    {
        await using var bed = await SsmBed.StartAsync(prepare: ssm => ssm.AddSession("eu-west-1", new SsmSession("erin-5", "i-05", "arn:aws:iam::123456789012:user/erin", DateTimeOffset.UtcNow.AddMinutes(-1))));
        await bed.SessionsRoundAsync(Interval);
        Assert.NotNull(await ListedAsync(bed, "ssm:eu-west-1:erin-5"));

        bed.Ssm.AddSession("eu-west-1", bed.Ssm.Session("eu-west-1", "erin-5")! with { Status = "Terminated" });
        await bed.SessionsRoundAsync(Interval);

        await Until.TrueAsync(async () => (await ListedAsync(bed, "ssm:eu-west-1:erin-5"))?.State == SessionState.Ended, "erin's session ended here");
        var logout = await AuditLines.WaitForAsync(bed.AuditFile, "logout");
        Assert.Equal("aws-ssm", logout.GetProperty("actor").GetString());
        Assert.DoesNotContain(bed.Ssm.Calls, c => c.Action == "TerminateSession");
    }

    [Fact]
    public async Task EveryPage_IsRead()
    {
        await using var bed = await SsmBed.StartAsync(prepare: ssm =>
        {
            for (var i = 0; i < 450; i++) ssm.AddSession("eu-west-1", new SsmSession($"user{i:D3}-abc", "i-07", $"arn:aws:iam::123456789012:user/user{i:D3}", DateTimeOffset.UtcNow.AddMinutes(-1)));
        });

        await bed.SessionsRoundAsync(Interval);

        var listed = (await Events(bed).ListSessionsAsync(new ListSessionsRequest { PageSize = 1000 })).Sessions;
        Assert.Equal(450, listed.Count(s => s.SessionId.StartsWith("ssm:eu-west-1:", StringComparison.Ordinal)));
        var pages = bed.Ssm.Calls.Where(c => c.Action == "DescribeSessions" && c.Region == "eu-west-1").Select(c => c.Input).ToList();
        Assert.Contains(pages, p => p.Contains("\"NextToken\":\"200\"", StringComparison.Ordinal));
        Assert.Contains(pages, p => p.Contains("\"NextToken\":\"400\"", StringComparison.Ordinal));
        Assert.All(pages, p => Assert.Contains("\"MaxResults\":200", p));
    }

    [Fact]
    public async Task SsmThrottlingTheListing_IsNotFatal_TheNextRoundCatchesUp()
    {
        await using var bed = await SsmBed.StartAsync(prepare: ssm =>
        {
            ssm.AddSession("eu-west-1", new SsmSession("fay-1", "i-08", "arn:aws:iam::123456789012:user/fay", DateTimeOffset.UtcNow.AddMinutes(-1)));
            ssm.FailNext(SsmEndpoint.Throttling(), times: 4, action: "DescribeSessions");
        });

        await bed.SessionsRoundAsync(Interval);
        await bed.SessionsRoundAsync(Interval);

        await Until.TrueAsync(async () =>
        {
            await bed.SessionsRoundAsync(Interval);
            return await ListedAsync(bed, "ssm:eu-west-1:fay-1") is not null;
        }, "fay's session registered once SSM answers");
        Assert.Contains(bed.Sts.Logs.GetSnapshot(), l => l.Id.Id == 83 && l.Message.Contains("ThrottlingException", StringComparison.Ordinal));
    }
}
