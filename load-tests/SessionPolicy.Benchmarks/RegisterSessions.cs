using System.Diagnostics;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Benchmarks;

/// <summary>Registers many sessions (1,000 principals, 50 roles, 64 calls in flight unless told), for the memory and sweep benchmark.</summary>
internal static class RegisterSessions
{
    public static async Task<int> RunAsync(string url, int count, int inFlight = 64)
    {
        using var channel = GrpcChannel.ForAddress(url);
        var client = new SessionEventsService.SessionEventsServiceClient(channel);
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await client.RegisterSessionAsync(new RegisterSessionRequest
                {
                    Principal = new Principal { Id = $"user-{i % 1000}", Type = PrincipalType.Human },
                    Role = new Role { Arn = $"arn:aws:iam::123456789012:role/Team{i % 50}" },
                    Context = new RequestContext { Mfa = true, Environment = "staging" },
                    Audiences = { "portal", "console" },
                });
            }
        }));
        Console.WriteLine($"registered {count} sessions in {clock.Elapsed.TotalSeconds:F1} s, {inFlight} calls in flight");
        return 0;
    }
}
