using System.Diagnostics;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Benchmarks;

/// <summary>
/// How long after ReportSignal returns on one replica another replica stops serving its cached decision:
/// replica B caches an allow for a principal, replica A records a critical risk signal, and B is asked
/// again and again until it answers deny. Repeated for many principals; prints percentiles.
/// </summary>
internal static class InvalidationLatency
{
    public static async Task<int> RunAsync(string replicaA, string replicaB, int rounds)
    {
        using var a = GrpcChannel.ForAddress(replicaA);
        using var b = GrpcChannel.ForAddress(replicaB);
        var signals = new SessionEventsService.SessionEventsServiceClient(a);
        var decisions = new SessionPolicyService.SessionPolicyServiceClient(b);
        var samples = new List<double>(rounds);
        for (var i = 0; i < rounds; i++)
        {
            var request = new DecideRequest
            {
                Principal = new Principal { Id = $"latency-{Guid.NewGuid():N}", Type = PrincipalType.Human },
                Role = new Role { Arn = "arn:aws:iam::123456789012:role/Developer" },
                Context = new RequestContext { Mfa = true },
            };
            await decisions.DecideAsync(request);
            await decisions.DecideAsync(request);
            await signals.ReportSignalAsync(new ReportSignalRequest { PrincipalId = request.Principal.Id, RiskScore = 95, TtlSeconds = 60 });
            var clock = Stopwatch.StartNew();
            while ((await decisions.DecideAsync(request)).Decision.Outcome != Outcome.Deny)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("replica B still served the cached decision after 10 s");
            }
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        double At(double q) => samples[(int)Math.Min(samples.Count - 1, Math.Round(q * (samples.Count - 1)))];
        Console.WriteLine($"invalidation across replicas, {rounds} signals: p50 {At(0.5):F2} ms, p99 {At(0.99):F2} ms, max {samples[^1]:F2} ms");
        return 0;
    }
}
