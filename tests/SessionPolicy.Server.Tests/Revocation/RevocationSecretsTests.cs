using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Revocation;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Revocation;

/// <summary>
/// The revocation path leaves no secret behind: not the service's own signing key, not an issued credential, and not
/// what IAM answered (its messages, a hostile request id) in a log, an audit record, the durable record or ListRevocations.
/// </summary>
public sealed class RevocationSecretsTests
{
    [Fact]
    public async Task FailedAndWrittenRevocations_LeaveNoSecretAndNoIamMessage_Anywhere()
    {
        await using var bed = await RevocationBed.StartAsync();
        const string relayed = "IAM-SAYS-arn:aws:iam::123456789012:user/insider-do-not-relay";
        var secrets = new List<string> { SecretAccessKey, relayed };
        var sessions = new List<IssueSessionResponse>();
        for (var i = 0; i < 3; i++)
        {
            var issued = await bed.IssueAsync($"etl-{i}", role: i == 2 ? ShortRole : LongRole);
            sessions.Add(issued);
            secrets.Add(issued.Credentials.SecretAccessKey);
            secrets.Add(issued.Credentials.SessionToken);
        }

        bed.Iam.FailNext(new StsError(HttpStatusCode.Forbidden, "AccessDenied", relayed + " " + sessions[0].Credentials.SessionToken));
        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = sessions[0].SessionId, Actor = "secops" });
        var failing = await FailingAsync(bed);
        bed.Iam.FailNext(new StsError(HttpStatusCode.InternalServerError, "ServiceFailure", relayed, type: "Receiver"), times: 4);
        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "etl-1", Actor = "secops" });
        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { RoleArn = ShortRole, Actor = "secops" });
        await bed.PolicyWhenAsync(p => p.Contains(sessions[0].SessionId, StringComparison.Ordinal) && p.Contains(sessions[1].SessionId, StringComparison.Ordinal));
        await bed.PolicyWhenAsync(p => p.Contains("aws:TokenIssueTime", StringComparison.Ordinal), "OneHourMax");

        var listed = (await bed.Credentials.ListRevocationsAsync(new ListRevocationsRequest())).ToString();
        var ledger = string.Join("\n", (await bed.Sts.Server.Services.GetRequiredService<IRevocationLedger>().ListAsync())
            .Select(e => System.Text.Json.JsonSerializer.Serialize(e)));
        await AuditLines.WaitForAsync(bed.AuditFile, "credentials.revoked");
        var audit = await File.ReadAllTextAsync(bed.AuditFile);
        var logs = string.Join("\n", bed.Sts.Logs.GetSnapshot().Select(r => $"{r.Message} {r.Exception} {string.Join(",", r.StructuredState ?? [])}"));

        Assert.Contains("AccessDenied", failing, StringComparison.Ordinal);
        Assert.Contains("credentials.revocation_failed", audit, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, failing, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, ledger, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, audit, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("insider", logs + audit + listed + failing, StringComparison.Ordinal);
    }

    /// <summary>ListRevocations, once a role's write has failed: its last error as the service words it.</summary>
    private static async Task<string> FailingAsync(RevocationBed bed)
    {
        var error = "";
        await Until.TrueAsync(async () =>
        {
            var roles = (await bed.Credentials.ListRevocationsAsync(new ListRevocationsRequest())).Roles;
            error = roles.Select(r => r.LastError).FirstOrDefault(e => e.Length > 0) ?? "";
            return error.Length > 0;
        }, "the failed write is listed with its error");
        return error;
    }
}
