using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// An STS-compatible endpoint on loopback and the service, in process, configured to call it through the
/// real AWS SDK, with every log line of every level captured.
/// </summary>
public sealed class StsTestBed : IAsyncDisposable
{
    public const string Account = "123456789012";
    public const string ServiceUser = $"arn:aws:iam::{Account}:user/session-policy";
    public const string ServiceRoleSession = $"arn:aws:sts::{Account}:assumed-role/session-policy/i-0abc";
    public const string AccessKeyId = "AKIAIOSFODNN7EXAMPLE";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const string LongRole = $"arn:aws:iam::{Account}:role/Batch";
    public const string ShortRole = $"arn:aws:iam::{Account}:role/OneHourMax";
    public const string PartnerRole = $"arn:aws:iam::{Account}:role/Partner";
    public const string PartnerExternalId = "partner-7f3a";
    public const string Region = "eu-west-1";

    private StsTestBed(StsEndpoint.StsEndpoint sts, PolicyServiceFactory server)
    {
        Sts = sts;
        Server = server;
        Client = new SessionCredentialsService.SessionCredentialsServiceClient(server.Channel);
    }

    public StsEndpoint.StsEndpoint Sts { get; }
    public PolicyServiceFactory Server { get; }
    public SessionCredentialsService.SessionCredentialsServiceClient Client { get; }
    public FakeLogCollector Logs => Server.Services.GetFakeLogCollector();

    /// <param name="callerArn">Who the service's credentials belong to; an assumed-role ARN makes every session role chaining.</param>
    public static async Task<StsTestBed> StartAsync(string callerArn = ServiceUser, IDictionary<string, string?>? settings = null,
        string secret = SecretAccessKey, string? policyYaml = null, Microsoft.Extensions.Time.Testing.FakeTimeProvider? clock = null,
        Action<IServiceCollection>? services = null)
    {
        var sts = await StsEndpoint.StsEndpoint.StartAsync();
        sts.AddCaller(new StsCaller(AccessKeyId, SecretAccessKey, callerArn))
            .AddRole(new StsRole(LongRole, MaxSessionSeconds: 43200))
            .AddRole(new StsRole(ShortRole, MaxSessionSeconds: 3600))
            .AddRole(new StsRole(PartnerRole, MaxSessionSeconds: 7200, ExternalId: PartnerExternalId));
        var all = new Dictionary<string, string?>
        {
            ["SessionPolicy:Sts:ServiceUrl"] = sts.Url.ToString(),
            ["SessionPolicy:Sts:Region"] = Region,
            ["SessionPolicy:Sts:MaxErrorRetry"] = "1",
            ["SessionPolicy:Sts:Timeout"] = "00:00:05",
            // Every level of every category reaches the captured logs, so a scan for secrets sees everything.
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var server = new PolicyServiceFactory(policyYaml, clock, all, s =>
        {
            s.AddSingleton<AWSCredentials>(new BasicAWSCredentials(AccessKeyId, secret));
            s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
            services?.Invoke(s);
        });
        return new StsTestBed(sts, server);
    }

    public static IssueSessionRequest Request(string role = LongRole, PrincipalType type = PrincipalType.Service, string principal = "etl-nightly") => new()
    {
        Principal = new Principal { Id = principal, Type = type },
        Role = type == PrincipalType.Service ? Sample.BatchRole(role) : new Role { Arn = role },
        Context = type == PrincipalType.Service ? new RequestContext { Environment = "development" } : Sample.KnownContext(),
        RoleSessionName = principal,
    };

    public async ValueTask DisposeAsync()
    {
        Server.Dispose();
        await Sts.DisposeAsync();
    }
}
