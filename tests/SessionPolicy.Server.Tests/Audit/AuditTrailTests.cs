using System.Text.Json;
using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Audit;

/// <summary>Every auditable action leaves a JSON-lines record in the audit file, with sensitive attributes masked and no secret.</summary>
public sealed class AuditTrailTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"audit-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task AuditableActions_AreRecordedWithWhoWhatWhenWhy()
    {
        string[] secrets;
        IssueSessionResponse issued;
        var bed = await StartAsync(settings: new Dictionary<string, string?>
        {
            ["SessionPolicy:Audit:Path"] = _file,
            ["SessionPolicy:Audit:DecisionSampleRate"] = "1",
            ["SessionPolicy:Audit:MaskedAttributes:0"] = "ssn",
        });
        await using (bed)
        {
            var issue = Request();
            issue.Principal.Attributes.Add("ssn", "123-45-6789");
            issue.Principal.Attributes.Add("team", "data");
            issued = await bed.Client.IssueSessionAsync(issue);
            secrets = [SecretAccessKey, issued.Credentials.SecretAccessKey, issued.Credentials.SessionToken, "123-45-6789"];
            var risky = Request();
            risky.Context.RiskScore = 95;
            await Assert.ThrowsAsync<RpcException>(() => bed.Client.IssueSessionAsync(risky).ResponseAsync);
            await new SessionPolicyService.SessionPolicyServiceClient(bed.Server.Channel).DecideAsync(Sample.Human("erin"));
            var events = new SessionEventsService.SessionEventsServiceClient(bed.Server.Channel);
            await events.RegisterSessionAsync(Helpers.Sessions.Register("fay"));
            await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = issued.SessionId, Actor = "secops@example.com", Detail = "ticket 42" });
            await events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "gus", RiskScore = 80, Source = "ids" });
        }

        var text = await File.ReadAllTextAsync(_file);
        var records = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        JsonElement One(string type) => Assert.Single(records, r => r.GetProperty("type").GetString() == type);

        Assert.NotEmpty(One("policy.loaded").GetProperty("policy_version").GetString()!);
        var issuedRecord = One("session.issued");
        Assert.Equal("etl-nightly", issuedRecord.GetProperty("principal").GetString());
        Assert.Equal(LongRole, issuedRecord.GetProperty("role").GetString());
        Assert.Equal(issued.Decision.DecisionId, issuedRecord.GetProperty("decision_id").GetString());
        Assert.Equal(issued.Decision.PolicyVersion, issuedRecord.GetProperty("policy_version").GetString());
        Assert.Equal(43200, issuedRecord.GetProperty("max_session_seconds").GetInt32());
        Assert.Equal(issued.SessionId, issuedRecord.GetProperty("sessions")[0].GetString());
        Assert.Equal("***", issuedRecord.GetProperty("attributes").GetProperty("ssn").GetString());
        Assert.Equal("data", issuedRecord.GetProperty("attributes").GetProperty("team").GetString());
        Assert.Equal("deny", One("session.denied").GetProperty("outcome").GetString());
        Assert.Contains(records, r => r.GetProperty("type").GetString() == "decision" && r.GetProperty("principal").GetString() == "erin");
        Assert.Equal("fay", One("session.registered").GetProperty("principal").GetString());
        var logout = One("logout");
        Assert.Equal(("secops@example.com", "Admin", "ticket 42"), (logout.GetProperty("actor").GetString(), logout.GetProperty("reason").GetString(), logout.GetProperty("detail").GetString()));
        Assert.Equal(issued.SessionId, logout.GetProperty("sessions")[0].GetString());
        Assert.NotEmpty(logout.GetProperty("event_id").GetString()!);
        Assert.Equal(("ids", "gus"), (One("signal.reported").GetProperty("actor").GetString(), One("signal.reported").GetProperty("principal").GetString()));
        Assert.All(records, r => Assert.True(r.GetProperty("time").GetDateTimeOffset() > DateTimeOffset.MinValue));
        foreach (var secret in secrets) Assert.DoesNotContain(secret, text);
    }

    [Fact]
    public async Task AuditOff_WritesNothing()
    {
        string unused;
        await using (var bed = await StartAsync(settings: new Dictionary<string, string?> { ["SessionPolicy:Audit:Path"] = "off" }))
        {
            unused = bed.Server.AuditFile;
            await bed.Client.IssueSessionAsync(Request());
        }

        Assert.False(File.Exists(unused));
    }
}
