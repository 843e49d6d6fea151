using System.Diagnostics;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Benchmarks;

/// <summary>
/// What IssueSession costs on top of its decision: one client, calls in turn, interleaved so the three
/// series see the same machine: Decide (the same input, warm), AssumeRole sent straight to the STS
/// endpoint through the SDK (one STS round trip), and IssueSession. Prints percentiles of each and the
/// median of IssueSession less (Decide + AssumeRole).
/// </summary>
internal static class IssueSessionLatency
{
    public const string Role = "arn:aws:iam::123456789012:role/Batch";

    public static async Task<int> RunAsync(string server, string stsUrl, string accessKey, string secretKey, int rounds)
    {
        using var channel = GrpcChannel.ForAddress(server);
        var decisions = new SessionPolicyService.SessionPolicyServiceClient(channel);
        var credentials = new SessionCredentialsService.SessionCredentialsServiceClient(channel);
        using var sts = new AmazonSecurityTokenServiceClient(new BasicAWSCredentials(accessKey, secretKey),
            new AmazonSecurityTokenServiceConfig { ServiceURL = stsUrl, AuthenticationRegion = "us-east-1" });
        var principal = new Principal { Id = "etl-nightly", Type = PrincipalType.Service };
        var decide = new DecideRequest { Principal = principal, Role = new Role { Arn = Role }, Context = new RequestContext() };
        var issue = new IssueSessionRequest { Principal = principal, Role = new Role { Arn = Role }, Context = new RequestContext(), RoleSessionName = "etl-nightly" };
        var assume = new AssumeRoleRequest { RoleArn = Role, RoleSessionName = "etl-nightly", DurationSeconds = 43200, Tags = [new Tag { Key = "sessionpolicy:session-id", Value = Guid.NewGuid().ToString("N") }] };

        var d = new List<double>(rounds);
        var a = new List<double>(rounds);
        var i = new List<double>(rounds);
        for (var round = -rounds / 10; round < rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var decided = (await decisions.DecideAsync(decide)).Decision;
            var decideMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await sts.AssumeRoleAsync(assume);
            var assumeMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var issued = await credentials.IssueSessionAsync(issue);
            var issueMs = clock.Elapsed.TotalMilliseconds;
            if (issued.Decision.MaxSessionSeconds != decided.MaxSessionSeconds) throw new InvalidOperationException("IssueSession and Decide disagree");
            if (round < 0) continue; // warm-up
            d.Add(decideMs);
            a.Add(assumeMs);
            i.Add(issueMs);
        }
        var overhead = Enumerable.Range(0, rounds).Select(k => i[k] - d[k] - a[k]).ToList();
        Console.WriteLine($"{rounds} rounds, one client, calls in turn (ms):");
        Console.WriteLine($"  Decide (warm)              {Percentiles(d)}");
        Console.WriteLine($"  AssumeRole straight to STS {Percentiles(a)}");
        Console.WriteLine($"  IssueSession               {Percentiles(i)}");
        Console.WriteLine($"  IssueSession - Decide - AssumeRole: median {Median(overhead):F3} ms");
        return 0;
    }

    private static string Percentiles(List<double> samples)
    {
        var sorted = samples.Order().ToList();
        double At(double q) => sorted[(int)Math.Round(q * (sorted.Count - 1))];
        return $"p50 {At(0.5):F3}  p90 {At(0.9):F3}  p99 {At(0.99):F3}";
    }

    private static double Median(List<double> samples) => samples.Order().ElementAt(samples.Count / 2);
}
