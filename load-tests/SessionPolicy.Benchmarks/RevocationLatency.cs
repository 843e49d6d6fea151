using System.Diagnostics;
using Grpc.Net.Client;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;

namespace SessionPolicy.Benchmarks;

/// <summary>
/// From a logout to IAM accepting the deny of the session's credentials: hosts the IAM-compatible endpoint (on the port
/// the server was told), issues ROLES × (RATE × SECONDS / ROLES) sessions through IssueSession, then forces them out one
/// by one at RATE per second, open loop (each logout sent on schedule, whatever the earlier ones take), and times each
/// session from its ForceLogout being sent to the first policy IAM accepted that denies it. Prints percentiles, and
/// the IAM writes per logout (the batching).
/// </summary>
internal static class RevocationLatency
{
    private const string Account = "123456789012";

    public static async Task<int> RunAsync(string server, int iamPort, string accessKey, string secretKey, int roles, int rate, int seconds)
    {
        await using var iam = await IamEndpoint.StartAsync(iamPort);
        iam.AddCaller(new StsCaller(accessKey, secretKey, $"arn:aws:iam::{Account}:user/session-policy"));
        for (var r = 0; r < roles; r++) iam.AddRole(RoleName(r));
        using var channel = GrpcChannel.ForAddress(server);
        var credentials = new SessionCredentialsService.SessionCredentialsServiceClient(channel);
        var events = new SessionEventsService.SessionEventsServiceClient(channel);

        var total = rate * seconds;
        var ids = new string[total];
        await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (k, ct) =>
        {
            var issued = await credentials.IssueSessionAsync(new IssueSessionRequest
            {
                Principal = new Principal { Id = $"etl-{k}", Type = PrincipalType.Service },
                Role = new Role { Arn = $"arn:aws:iam::{Account}:role/{RoleName(k % roles)}" },
                Context = new RequestContext { Environment = "development" },
                RoleSessionName = $"etl-{k}",
            }, cancellationToken: ct);
            ids[k] = issued.SessionId;
        });
        Console.WriteLine($"{total} sessions issued over {roles} roles; logging them out at {rate}/s for {seconds} s");

        var sent = new DateTimeOffset[total];
        var calls = new Task[total];
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < total; k++)
        {
            var due = TimeSpan.FromSeconds((double)k / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            sent[k] = DateTimeOffset.UtcNow;
            calls[k] = events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = ids[k], Actor = "load-test" }).ResponseAsync;
        }
        await Task.WhenAll(calls);
        var lateBy = clock.Elapsed - TimeSpan.FromSeconds((double)(total - 1) / rate);

        var accepted = new DateTimeOffset?[total];
        var deadline = Stopwatch.StartNew();
        while (accepted.Any(a => a is null) && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var writes = iam.Writes;
            for (var k = 0; k < total; k++)
            {
                if (accepted[k] is not null) continue;
                var first = writes.FirstOrDefault(w => w.Document is { } d && d.Contains(ids[k], StringComparison.Ordinal));
                if (first is not null) accepted[k] = first.At;
            }
            await Task.Delay(100);
        }
        var missing = accepted.Count(a => a is null);
        var latencies = Enumerable.Range(0, total).Where(k => accepted[k] is not null).Select(k => (accepted[k]!.Value - sent[k]).TotalMilliseconds).Order().ToList();
        double At(double q) => latencies[(int)Math.Round(q * (latencies.Count - 1))];
        var puts = iam.Writes.Count(w => w.Document is not null);
        var fellBack = iam.Writes.Count(w => w.Document is { } d && d.Contains("\"Sid\":\"Role", StringComparison.Ordinal));
        Console.WriteLine($"logout sent -> IAM accepted the deny (ms): p50 {At(0.5):F0}  p90 {At(0.9):F0}  p99 {At(0.99):F0}  max {latencies[^1]:F0}");
        Console.WriteLine($"{puts} PutRolePolicy for {total} logouts ({(double)total / puts:F1} logouts per write); {fellBack} role-wide fall-backs; {missing} never denied; schedule slipped by {lateBy.TotalMilliseconds:F0} ms");
        return missing == 0 ? 0 : 1;
    }

    private static string RoleName(int r) => $"Load{r:D3}";
}
