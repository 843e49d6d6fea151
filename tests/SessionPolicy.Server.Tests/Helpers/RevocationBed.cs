using Microsoft.Extensions.Time.Testing;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// The service in process with revocation on, an STS-compatible and an IAM-compatible endpoint on loopback, the same
/// access key for both; the roles of <see cref="StsTestBed"/> exist in IAM too. Audit records go to a file of the bed.
/// </summary>
public sealed class RevocationBed : IAsyncDisposable
{
    public const string PolicyName = "SessionPolicyRevocations";

    private RevocationBed(IamEndpoint iam, StsTestBed sts, string audit)
    {
        Iam = iam;
        Sts = sts;
        AuditFile = audit;
        Events = new SessionEventsService.SessionEventsServiceClient(sts.Server.Channel);
    }

    public IamEndpoint Iam { get; }
    public StsTestBed Sts { get; }
    public string AuditFile { get; }
    public SessionCredentialsService.SessionCredentialsServiceClient Credentials => Sts.Client;
    public SessionEventsService.SessionEventsServiceClient Events { get; }

    public static async Task<RevocationBed> StartAsync(IDictionary<string, string?>? settings = null, FakeTimeProvider? clock = null, string? iamUrl = null)
    {
        var iam = await IamEndpoint.StartAsync();
        iam.AddCaller(new StsCaller(StsTestBed.AccessKeyId, StsTestBed.SecretAccessKey, StsTestBed.ServiceUser)).AddRole("Batch").AddRole("OneHourMax").AddRole("Partner");
        var audit = Path.Combine(Path.GetTempPath(), $"revocation-audit-{Guid.NewGuid():N}.jsonl");
        var all = new Dictionary<string, string?>
        {
            ["SessionPolicy:Revocation:Enabled"] = "true",
            ["SessionPolicy:Revocation:ServiceUrl"] = iamUrl ?? iam.Url.ToString(),
            ["SessionPolicy:Revocation:MaxErrorRetry"] = "3",
            ["SessionPolicy:Audit:Path"] = audit,
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var sts = await StsTestBed.StartAsync(settings: all, clock: clock);
        return new RevocationBed(iam, sts, audit);
    }

    /// <summary>The revocation policy of a role (by name) as IAM holds it now, or null.</summary>
    public string? Policy(string roleName = "Batch") => Iam.Policy(roleName, PolicyName);

    /// <summary>Waits until IAM holds a revocation policy on the role that satisfies <paramref name="condition"/>.</summary>
    public async Task<string> PolicyWhenAsync(Func<string, bool> condition, string roleName = "Batch")
    {
        Assert.True(await Iam.WaitForAsync(i => i.Policy(roleName, PolicyName) is { } p && condition(p), TimeSpan.FromSeconds(30)),
            $"IAM's policy on {roleName} never matched; it is {Policy(roleName) ?? "(none)"}");
        return Policy(roleName)!;
    }

    public async Task<IssueSessionResponse> IssueAsync(string principal = "etl-nightly", string role = StsTestBed.LongRole, string sourceIdentity = "")
    {
        var request = StsTestBed.Request(role, principal: principal);
        request.SourceIdentity = sourceIdentity;
        return await Credentials.IssueSessionAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        await Sts.DisposeAsync();
        await Iam.DisposeAsync();
        File.Delete(AuditFile);
    }
}
