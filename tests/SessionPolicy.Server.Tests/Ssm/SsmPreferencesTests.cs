using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SessionPolicy.Server.Ssm;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.StsEndpoint;

namespace SessionPolicy.Server.Tests.Ssm;

/// <summary>
/// Session Manager preferences kept as the policy implies them, against an SSM-compatible endpoint on loopback (JSON
/// 1.1, SigV4 for ssm, SSM's document rules): created per region for its environment, drift detected and reported, and
/// restored when configured, a tightened policy applied at once, and SSM failing never fatal.
/// </summary>
public sealed class SsmPreferencesTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private static (int Idle, int Max) Minutes(string? content)
    {
        Assert.NotNull(content);
        using var doc = JsonDocument.Parse(content);
        Assert.Equal("1.0", doc.RootElement.GetProperty("schemaVersion").GetString());
        Assert.Equal("Standard_Stream", doc.RootElement.GetProperty("sessionType").GetString());
        var inputs = doc.RootElement.GetProperty("inputs");
        return (int.Parse(inputs.GetProperty("idleSessionTimeout").GetString()!), int.Parse(inputs.GetProperty("maxSessionDuration").GetString()!));
    }

    [Fact]
    public async Task EachRegion_GetsThePreferencesOfItsEnvironment_CreatedWhenMissing()
    {
        await using var bed = await SsmBed.StartAsync(new Dictionary<string, string?>
        {
            ["SessionPolicy:Ssm:Logging:S3BucketName"] = "session-logs-123",
            ["SessionPolicy:Ssm:Logging:CloudWatchLogGroupName"] = "/aws/ssm/sessions",
        });

        await bed.FirstRoundAsync();

        Assert.Equal((15, 60), Minutes(bed.Ssm.Document("eu-west-1", SsmBed.Document)));    // production-human: 1 h, 15 min idle
        Assert.Equal((60, 480), Minutes(bed.Ssm.Document("us-east-1", SsmBed.Document)));   // workforce-human: 8 h, 1 h idle
        using var doc = JsonDocument.Parse(bed.Ssm.Document("eu-west-1", SsmBed.Document)!);
        Assert.Equal("session-logs-123", doc.RootElement.GetProperty("inputs").GetProperty("s3BucketName").GetString());
        Assert.Equal("/aws/ssm/sessions", doc.RootElement.GetProperty("inputs").GetProperty("cloudWatchLogGroupName").GetString());
        Assert.Contains(bed.Ssm.Calls, c => c.Action == "CreateDocument" && c.Region == "eu-west-1" && c.Input.Contains("\"DocumentType\":\"Session\"", StringComparison.Ordinal));
        Assert.All(bed.Fleet.Status, s => Assert.Equal(PreferencesState.InSync, s.State));
        var applied = await AuditLines.WaitForAsync(bed.AuditFile, "ssm.preferences_applied");
        Assert.Equal("created", applied.GetProperty("outcome").GetString());

        // In sync: the next round reads and writes nothing.
        var versions = bed.Ssm.Versions("eu-west-1", SsmBed.Document);
        await bed.RoundAsync(Interval);
        Assert.Equal(versions, bed.Ssm.Versions("eu-west-1", SsmBed.Document));
    }

    [Fact]
    public async Task APreferenceChangedOutsideTheService_IsDrift_ReportedAndNotRestored_ByDefault()
    {
        await using var bed = await SsmBed.StartAsync();
        using var drift = new MetricCollector<long>(bed.Sts.Server.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "SessionPolicy.Server", "sessionpolicy.ssm.preferences.drift");
        await bed.FirstRoundAsync();
        var edited = bed.Ssm.Document("eu-west-1", SsmBed.Document)!.Replace("\"maxSessionDuration\": \"60\"", "\"maxSessionDuration\": \"720\"", StringComparison.Ordinal);
        bed.Ssm.EditDocument("eu-west-1", SsmBed.Document, edited);

        await bed.RoundAsync(Interval);

        var record = await AuditLines.WaitForAsync(bed.AuditFile, "ssm.preferences_drift");
        Assert.Equal("reported", record.GetProperty("outcome").GetString());
        Assert.Contains("maximum 720 min; the policy's are 15 and 60", record.GetProperty("detail").GetString());
        Assert.Equal((15, 720), Minutes(bed.Ssm.Document("eu-west-1", SsmBed.Document)));
        Assert.Equal(PreferencesState.Drifted, bed.Fleet.Status.Single(s => s.Target.Region == "eu-west-1").State);
        Assert.Equal(1, drift.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Contains(bed.Sts.Logs.GetSnapshot(), l => l.Id.Id == 82);
    }

    [Fact]
    public async Task DriftIsRestored_WhenConfigured()
    {
        await using var bed = await SsmBed.StartAsync(new Dictionary<string, string?> { ["SessionPolicy:Ssm:RestoreDrift"] = "true" });
        await bed.FirstRoundAsync();
        bed.Ssm.EditDocument("us-east-1", SsmBed.Document, bed.Ssm.Document("us-east-1", SsmBed.Document)!.Replace("\"idleSessionTimeout\": \"60\"", "\"idleSessionTimeout\": \"20\"", StringComparison.Ordinal));

        await bed.RoundAsync(Interval);

        Assert.Equal((60, 480), Minutes(bed.Ssm.Document("us-east-1", SsmBed.Document)));
        var record = await AuditLines.WaitForAsync(bed.AuditFile, "ssm.preferences_drift");
        Assert.Equal("restored", record.GetProperty("outcome").GetString());
        Assert.Contains(AuditLines.Read(bed.AuditFile), r => r.GetProperty("type").GetString() == "ssm.preferences_applied" && r.GetProperty("outcome").GetString() == "restored");
        Assert.All(bed.Fleet.Status, s => Assert.Equal(PreferencesState.InSync, s.State));
    }

    [Fact]
    public async Task ATightenedPolicy_IsAppliedAtOnce_NotAtTheNextInterval()
    {
        await using var bed = await SsmBed.StartAsync(policyYaml: SsmBed.FourHourPolicy);
        await bed.FirstRoundAsync();
        Assert.Equal((30, 240), Minutes(bed.Ssm.Document("eu-west-1", SsmBed.Document)));

        await bed.ReloadAsync(SsmBed.FourHourPolicy.Replace("max_session: 4h, idle_timeout: 30m", "max_session: 2h, idle_timeout: 10m", StringComparison.Ordinal));

        await Until.TrueAsync(() => Task.FromResult(bed.Ssm.Document("eu-west-1", SsmBed.Document) is { } d && Minutes(d) == (10, 120)), "the tightened preferences in eu-west-1");
        await Until.TrueAsync(() => Task.FromResult(bed.Ssm.Document("us-east-1", SsmBed.Document) is { } d && Minutes(d) == (10, 120)), "the tightened preferences in us-east-1");
        Assert.Contains(bed.Ssm.Calls, c => c.Action == "UpdateDocument" && c.Input.Contains("\"DocumentVersion\":\"$LATEST\"", StringComparison.Ordinal));
        Assert.DoesNotContain(AuditLines.Read(bed.AuditFile), r => r.GetProperty("type").GetString() == "ssm.preferences_drift");
    }

    [Fact]
    public async Task SsmFailingOrThrottling_IsReportedAndRetried_NeverFatal_AndNoMessageOfItsIsRelayed()
    {
        await using var bed = await SsmBed.StartAsync(prepare: ssm =>
        {
            ssm.FailNext(new StsError(HttpStatusCode.InternalServerError, "InternalServerError", "backend-secret-detail"), times: 2, action: "GetDocument");
            ssm.FailNext(SsmEndpoint.Throttling(), times: 2, action: "GetDocument");
        });

        await bed.FirstRoundAsync();
        // Each failure is logged with SSM's code only (the state may already have moved on to the next round).
        var failed = bed.Sts.Logs.GetSnapshot().Where(l => l.Id.Id == 83).Select(l => l.Message).ToList();
        Assert.Contains("Session Manager in eu-west-1: SSM refused or did not answer (InternalServerError); trying again at the next check", failed);
        Assert.Contains("Session Manager in us-east-1: SSM refused or did not answer (ThrottlingException); trying again at the next check", failed);

        await bed.RoundAsync(Interval);
        await Until.TrueAsync(() => Task.FromResult(bed.Fleet.Status.All(s => s.State == PreferencesState.InSync)), "both regions in sync once SSM answers");
        Assert.Equal((15, 60), Minutes(bed.Ssm.Document("eu-west-1", SsmBed.Document)));
        var logs = string.Join("\n", bed.Sts.Logs.GetSnapshot().Select(l => l.Message));
        Assert.DoesNotContain("backend-secret-detail", logs);
        Assert.DoesNotContain("backend-secret-detail", File.ReadAllText(bed.AuditFile));
    }

    [Fact]
    public async Task AnotherAccount_IsGovernedThroughARoleThere_AssumedThroughSts()
    {
        const string role = "arn:aws:iam::210987654321:role/SessionPolicySsm";
        await using var bed = await SsmBed.StartAsync(new Dictionary<string, string?>
        {
            ["SessionPolicy:Ssm:Targets:2:Region"] = "eu-west-1",
            ["SessionPolicy:Ssm:Targets:2:Environment"] = "development",
            ["SessionPolicy:Ssm:Targets:2:RoleArn"] = role,
            ["SessionPolicy:Ssm:Targets:2:ServiceUrl"] = "{ssm}",
        });
        bed.Ssm.AddCallers(bed.Sts.Sts.Issued);
        await bed.FirstRoundAsync();
        // The role is not assumable yet: that account fails, the others are kept.
        Assert.Equal(PreferencesState.Failing, bed.Fleet.Status.Single(s => s.Target.Account == "210987654321").State);
        bed.Sts.Sts.AddRole(new StsRole(role));

        await bed.RoundAsync(Interval);

        await Until.TrueAsync(() => Task.FromResult(bed.Ssm.Document("eu-west-1", SsmBed.Document, "210987654321") is not null), "the other account's preferences");
        Assert.Equal((60, 480), Minutes(bed.Ssm.Document("eu-west-1", SsmBed.Document, "210987654321")));
        Assert.Equal((15, 60), Minutes(bed.Ssm.Document("eu-west-1", SsmBed.Document)));
        Assert.Contains(bed.Ssm.Calls, c => c.CallerArn == "arn:aws:sts::210987654321:assumed-role/SessionPolicySsm/session-policy-ssm" && c.Action == "CreateDocument");
        Assert.Contains(bed.Sts.Sts.Calls, c => c.RoleArn == role && c.RoleSessionName == "session-policy-ssm");
    }

    [Fact]
    public async Task ARegionWhoseSsmCannotBeReached_IsFailing_TheOthersAreKept_AndTheServiceServes()
    {
        await using var bed = await SsmBed.StartAsync(new Dictionary<string, string?> { ["SessionPolicy:Ssm:Targets:1:ServiceUrl"] = "http://127.0.0.1:9/" });

        await bed.FirstRoundAsync();

        var unreachable = bed.Fleet.Status.Single(s => s.Target.Region == "us-east-1");
        Assert.Equal(PreferencesState.Failing, unreachable.State);
        Assert.Equal("SSM answered NoAnswer", unreachable.LastError);
        Assert.Equal(PreferencesState.InSync, bed.Fleet.Status.Single(s => s.Target.Region == "eu-west-1").State);
        Assert.Equal((15, 60), Minutes(bed.Ssm.Document("eu-west-1", SsmBed.Document)));
        var decided = await new SessionPolicy.V1.SessionPolicyService.SessionPolicyServiceClient(bed.Sts.Server.Channel).DecideAsync(Sample.Human("ann"));
        Assert.True(decided.Decision.MaxSessionSeconds > 0);
    }

    [Theory]
    [InlineData("SessionPolicy:Ssm:Targets:0:Region", "Mars-1", "SessionPolicy:Ssm:Targets:0:Region must be an AWS region name such as eu-west-1, not 'Mars-1'")]
    [InlineData("SessionPolicy:Ssm:Targets:0:Environment", "", "SessionPolicy:Ssm:Targets:0:Environment must name the environment")]
    [InlineData("SessionPolicy:Ssm:Targets:0:ServiceUrl", "http://ssm.example.com/", "SessionPolicy:Ssm:Targets:0:ServiceUrl must be an absolute https URL (http only on loopback)")]
    [InlineData("SessionPolicy:Ssm:Targets:1:Region", "eu-west-1", "SessionPolicy:Ssm:Targets:1 lists region eu-west-1 of the service's account a second time")]
    [InlineData("SessionPolicy:Ssm:Targets:0:RoleArn", "arn:aws:iam::123:role/x", "SessionPolicy:Ssm:Targets:0:RoleArn ")]
    [InlineData("SessionPolicy:Ssm:Logging:S3BucketName", "Not_A_Bucket", "SessionPolicy:Ssm:Logging: s3BucketName must be an S3 bucket name")]
    [InlineData("SessionPolicy:Ssm:PreferencesInterval", "00:00:00", "SessionPolicy:Ssm:PreferencesInterval must be between 00:00:01 and 1.00:00:00")]
    public async Task ABadSetting_StopsTheStart_NamingIt(string key, string value, string message)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => SsmBed.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(message, ex.ToString());
    }
}
