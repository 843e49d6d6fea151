using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Revocation;

/// <summary>
/// The AWS side of an ending, against an IAM-compatible endpoint on loopback (SigV4 checked, IAM's grammar and size
/// limits enforced): each way a session ends writes its deny, and only its own.
/// </summary>
public sealed class CredentialRevocationTests
{
    private const string SessionTag = "aws:PrincipalTag/sessionpolicy:session-id";

    [Fact]
    public async Task ForceLogout_OfAnIssuedSession_DeniesThatSessionAndNoOther()
    {
        await using var bed = await RevocationBed.StartAsync();
        var ended = await bed.IssueAsync("etl-a");
        var other = await bed.IssueAsync("etl-b");

        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = ended.SessionId, Actor = "secops" });

        var policy = await bed.PolicyWhenAsync(p => p.Contains(ended.SessionId, StringComparison.Ordinal));
        Assert.DoesNotContain(other.SessionId, policy, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(policy);
        var statement = Assert.Single(doc.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Equal("Deny", statement.GetProperty("Effect").GetString());
        Assert.Equal("*", statement.GetProperty("Action").GetString());
        var ids = statement.GetProperty("Condition").GetProperty("StringEquals").GetProperty(SessionTag);
        Assert.Equal([ended.SessionId], ids.EnumerateArray().Select(i => i.GetString()));
        // Named for when it can go: at or after the credentials expire, within the 5-minute step.
        var until = long.Parse(statement.GetProperty("Sid").GetString()!["Sessions".Length..]);
        var expires = ended.Credentials.Expiration.ToDateTimeOffset().ToUnixTimeSeconds();
        Assert.InRange(until, expires, expires + 300);
        Assert.Single(bed.Iam.Writes);
        Assert.Null(bed.Policy("OneHourMax"));
    }

    [Fact]
    public async Task ForceLogout_OfAPrincipalWhoseSourceIdentityIsItself_DeniesItsSourceIdentityIssuedBeforeTheLogout()
    {
        await using var bed = await RevocationBed.StartAsync();
        var bySource = await bed.IssueAsync("carol", sourceIdentity: "carol");
        var byTag = await bed.IssueAsync("carol", role: ShortRole);
        var bystander = await bed.IssueAsync("dave", sourceIdentity: "dave");

        var before = DateTimeOffset.UtcNow;
        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "carol", Actor = "secops" });

        var policy = await bed.PolicyWhenAsync(p => p.Contains("aws:SourceIdentity", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(policy);
        var statement = Assert.Single(doc.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.StartsWith("Principal", statement.GetProperty("Sid").GetString());
        var condition = statement.GetProperty("Condition");
        Assert.Equal("carol", condition.GetProperty("StringEquals").GetProperty("aws:SourceIdentity").GetString());
        var bound = DateTimeOffset.Parse(condition.GetProperty("DateLessThan").GetProperty("aws:TokenIssueTime").GetString()!);
        // Everything issued up to the logout is denied; a sign-in after it (the next second on) is not.
        Assert.InRange(bound, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.DoesNotContain(bySource.SessionId, policy, StringComparison.Ordinal);
        Assert.DoesNotContain("dave", policy, StringComparison.Ordinal);
        // Without a SourceIdentity, the session is denied by its id, on its own role.
        var other = await bed.PolicyWhenAsync(p => p.Contains(byTag.SessionId, StringComparison.Ordinal), "OneHourMax");
        Assert.DoesNotContain(bystander.SessionId, other, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForceLogout_OfARole_WritesTheRoleWideDenyOfSessionsIssuedBeforeIt()
    {
        await using var bed = await RevocationBed.StartAsync();
        await bed.IssueAsync("etl-a");
        await bed.IssueAsync("etl-b");

        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { RoleArn = LongRole, Actor = "secops" });

        var policy = await bed.PolicyWhenAsync(p => p.Contains("aws:TokenIssueTime", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(policy);
        var statement = Assert.Single(doc.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.StartsWith("Role", statement.GetProperty("Sid").GetString());
        var condition = Assert.Single(statement.GetProperty("Condition").EnumerateObject());
        Assert.Equal("DateLessThan", condition.Name);
        Assert.DoesNotContain(SessionTag, policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttling_IsRetried_UntilIamAcceptsTheDeny_AndTheMetricsSaySo()
    {
        await using var bed = await RevocationBed.StartAsync();
        var meters = bed.Sts.Server.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var writes = new MetricCollector<long>(meters, "SessionPolicy.Server", "sessionpolicy.revocation.writes");
        using var latency = new MetricCollector<double>(meters, "SessionPolicy.Server", "sessionpolicy.revocation.latency");
        var issued = await bed.IssueAsync();
        bed.Iam.FailNext(IamEndpoint.Throttling(), times: 6);

        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = issued.SessionId });

        await bed.PolicyWhenAsync(p => p.Contains(issued.SessionId, StringComparison.Ordinal));
        Assert.True(bed.Iam.Requests >= 7, $"{bed.Iam.Requests} requests");
        await Until.TrueAsync(() => Task.FromResult(writes.GetMeasurementSnapshot().Any(m => Equals(m.Tags["outcome"], "written"))), "the write is counted");
        var outcomes = writes.GetMeasurementSnapshot().Select(m => (string)m.Tags["outcome"]!).ToList();
        Assert.Contains("failing", outcomes);
        Assert.Equal(1, outcomes.Count(o => o == "written"));
        // One ending, timed once: from the logout to IAM accepting it, across the retries.
        var timed = Assert.Single(latency.GetMeasurementSnapshot());
        Assert.True(timed.Value > 0);
    }

    [Fact]
    public async Task PolicyAtItsLimit_FallsBackToTheRoleWideDeny_AndSaysSo()
    {
        await using var bed = await RevocationBed.StartAsync(new Dictionary<string, string?> { ["SessionPolicy:Revocation:MaxPolicyCharacters"] = "600" });
        var sessions = new List<string>();
        for (var i = 0; i < 12; i++) sessions.Add((await bed.IssueAsync($"etl-{i}")).SessionId);

        foreach (var id in sessions) await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });

        var policy = await bed.PolicyWhenAsync(p => p.Contains("aws:TokenIssueTime", StringComparison.Ordinal));
        Assert.True(policy.Length <= 600, policy);
        var listed = await bed.Credentials.ListRevocationsAsync(new ListRevocationsRequest { RoleArn = LongRole });
        var role = Assert.Single(listed.Roles);
        Assert.True(role.FellBack);
        Assert.Contains(role.Entries, e => e.Kind == "role");
        Assert.Contains(bed.Sts.Logs.GetSnapshot(), r => r.Id.Id == 74 && r.Message.Contains("fell back", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RoleWhoseOtherInlinePoliciesLeaveNoRoom_FallsBackWhenIamRefusesTheSize()
    {
        var big = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":["
            + string.Join(",", Enumerable.Range(0, 338).Select(i => $"\"arn:aws:s3:::bucket-{i:D4}/*\"")) + "]}]}";
        await using var bed = await RevocationBed.StartAsync();
        bed.Iam.AddRole("Batch", new Dictionary<string, string> { ["Existing"] = big });
        Assert.InRange(IamPolicyRules.Size(big), 9_800, 10_000);
        var sessions = new List<string>();
        for (var i = 0; i < 8; i++) sessions.Add((await bed.IssueAsync($"etl-{i}")).SessionId);

        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "etl-0" });
        foreach (var id in sessions.Skip(1)) await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });

        var policy = await bed.PolicyWhenAsync(p => p.Contains("aws:TokenIssueTime", StringComparison.Ordinal));
        Assert.DoesNotContain(SessionTag, policy, StringComparison.Ordinal);
        Assert.Equal(big, bed.Iam.Policy("Batch", "Existing"));
    }

    [Fact]
    public async Task DryRun_LogsThePolicyAndWritesNothing()
    {
        await using var bed = await RevocationBed.StartAsync(new Dictionary<string, string?> { ["SessionPolicy:Revocation:DryRun"] = "true" });
        var issued = await bed.IssueAsync();

        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = issued.SessionId });

        var listed = new ListRevocationsResponse();
        await Until.TrueAsync(async () => (listed = await bed.Credentials.ListRevocationsAsync(new ListRevocationsRequest())).Roles.Any(r => r.State == RevocationState.DryRun), "a dry-run entry");
        Assert.True(listed.DryRun);
        Assert.Contains(bed.Sts.Logs.GetSnapshot(), r => r.Id.Id == 76 && r.Message.Contains(issued.SessionId, StringComparison.Ordinal));
        Assert.Empty(bed.Iam.Writes);
        Assert.Equal(0, bed.Iam.Requests);
    }

    [Fact]
    public async Task EndedSessions_AreAuditedWithTheirRoleAndOutcome()
    {
        await using var bed = await RevocationBed.StartAsync();
        var issued = await bed.IssueAsync();

        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = issued.SessionId });
        await bed.PolicyWhenAsync(p => p.Contains(issued.SessionId, StringComparison.Ordinal));

        var record = await AuditLines.WaitForAsync(bed.AuditFile, "credentials.revoked");
        Assert.Equal(LongRole, record.GetProperty("role").GetString());
        Assert.Equal("written", record.GetProperty("outcome").GetString());
        Assert.Contains(issued.SessionId, record.GetProperty("sessions").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task ListRevocations_OfANonRoleArn_IsInvalidArgumentNamingTheField()
    {
        await using var bed = await RevocationBed.StartAsync();

        await RpcAssert.InvalidArgumentAsync(() => bed.Credentials.ListRevocationsAsync(new ListRevocationsRequest { RoleArn = "arn:aws:iam::123:user/x" }).ResponseAsync, "role_arn");
    }

    [Fact]
    public async Task ListRevocations_WithRevocationOff_IsFailedPreconditionNamingTheSetting()
    {
        await using var bed = await StartAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => bed.Client.ListRevocationsAsync(new ListRevocationsRequest()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Contains("SessionPolicy:Revocation:Enabled", e.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://iam.example.com/")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("not a url")]
    public async Task ServiceUrl_NotHttpsOffLoopback_RefusesToStart(string url)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => RevocationBed.StartAsync(new Dictionary<string, string?> { ["SessionPolicy:Revocation:ServiceUrl"] = url }));

        Assert.Contains($"SessionPolicy:Revocation:ServiceUrl must be an absolute https URL (http only on loopback), not '{url}'", ex.ToString());
    }

    [Fact]
    public async Task APrincipalDisabledByASignal_HasItsIssuedCredentialsDenied_LikeAForcedLogout()
    {
        await using var bed = await RevocationBed.StartAsync();
        var issued = await bed.IssueAsync("mallory");
        var bystander = await bed.IssueAsync("trent");

        var signal = await bed.Events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "mallory", DisablePrincipal = true, Source = "ids" });

        Assert.Equal([issued.SessionId], signal.EndedSessionIds);
        var policy = await bed.PolicyWhenAsync(p => p.Contains(issued.SessionId, StringComparison.Ordinal));
        Assert.DoesNotContain(bystander.SessionId, policy, StringComparison.Ordinal);
    }
}
