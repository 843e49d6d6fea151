using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.Server.Tests.Stores;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Revocation;

/// <summary>
/// How long a deny lives: until the credentials it denies have expired (fake clock), and, while IAM does not answer, in
/// the shared store, so a restarted service (two real processes on a real redis-server) writes it once IAM is back.
/// </summary>
[Collection(SharedRedis.Collection)]
public sealed class RevocationLifetimeTests(SharedRedis shared)
{
    [Fact]
    public async Task Deny_IsRemovedOnceTheCredentialsItDeniesHaveExpired()
    {
        // Tokens are checked against real time, so the fake clock starts there.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var bed = await RevocationBed.StartAsync(clock: clock);
        var issued = await bed.IssueAsync();
        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = issued.SessionId });
        await bed.PolicyWhenAsync(p => p.Contains(issued.SessionId, StringComparison.Ordinal));
        var entry = Assert.Single(Assert.Single((await bed.Credentials.ListRevocationsAsync(new ListRevocationsRequest())).Roles).Entries);
        Assert.True(entry.RemovedAt.ToDateTimeOffset() >= issued.Credentials.Expiration.ToDateTimeOffset());

        clock.SetUtcNow(entry.RemovedAt.ToDateTimeOffset());

        Assert.True(await bed.Iam.WaitForAsync(i => i.Writes.Any(w => w.Document is null), TimeSpan.FromSeconds(30)), "the policy was never deleted");
        Assert.Null(bed.Policy());
        await Until.TrueAsync(async () => (await bed.Credentials.ListRevocationsAsync(new ListRevocationsRequest())).Roles.Count == 0, "the expired entry is no longer listed");
    }

    [Fact]
    public async Task IamUnreachable_TheEndingGoesOn_AndARestartedServiceWritesTheDenyOnceIamIsBack()
    {
        await using var sts = await StsEndpoint.StsEndpoint.StartAsync();
        sts.AddCaller(new StsCaller(AccessKeyId, SecretAccessKey, ServiceUser)).AddRole(new StsRole(LongRole, 43200));
        await using var iam = await IamEndpoint.StartAsync();
        iam.AddCaller(new StsCaller(AccessKeyId, SecretAccessKey, ServiceUser)).AddRole("Batch");
        var environment = shared.Server.SharedSettings().ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!);
        foreach (var (k, v) in new Dictionary<string, string>
        {
            ["SessionPolicy:Sts:ServiceUrl"] = sts.Url.ToString(),
            ["SessionPolicy:Sts:Region"] = Region,
            ["SessionPolicy:Revocation:Enabled"] = "true",
            ["SessionPolicy:Revocation:ServiceUrl"] = $"http://127.0.0.1:{DeadPort()}/",
            ["SessionPolicy:Revocation:MaxErrorRetry"] = "0",
            ["SessionPolicy:Revocation:Lease"] = "00:00:02",
            ["AWS_ACCESS_KEY_ID"] = AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey,
        })
        {
            environment[k.Replace(":", "__")] = v;
        }

        var first = await ServerProcess.StartAsync(environment);
        var issued = await new SessionCredentialsService.SessionCredentialsServiceClient(first.Channel).IssueSessionAsync(Request());
        var events = new SessionEventsService.SessionEventsServiceClient(first.Channel);
        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = issued.SessionId });
        // The ending is done whatever IAM does.
        var ended = await events.ListSessionsAsync(new ListSessionsRequest { PrincipalId = "etl-nightly", State = SessionState.Ended });
        Assert.Contains(ended.Sessions, s => s.SessionId == issued.SessionId);
        var credentials = new SessionCredentialsService.SessionCredentialsServiceClient(first.Channel);
        await Until.TrueAsync(async () => (await credentials.ListRevocationsAsync(new ListRevocationsRequest())).Roles
            .Any(r => r.State == RevocationState.Pending && r.LastError.Length > 0), "the revocation waiting for IAM");
        await first.DisposeAsync();

        environment["SessionPolicy__Revocation__ServiceUrl"] = iam.Url.ToString();
        await using var second = await ServerProcess.StartAsync(environment);

        Assert.True(await iam.WaitForAsync(i => i.Policy("Batch", RevocationBed.PolicyName)?.Contains(issued.SessionId, StringComparison.Ordinal) == true, TimeSpan.FromSeconds(60)),
            "the restarted service never wrote the deny");
        var listed = await new SessionCredentialsService.SessionCredentialsServiceClient(second.Channel).ListRevocationsAsync(new ListRevocationsRequest());
        Assert.Equal(RevocationState.Written, Assert.Single(listed.Roles).State);
    }

    private static int DeadPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
