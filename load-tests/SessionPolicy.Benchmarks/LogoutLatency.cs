using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Benchmarks;

/// <summary>
/// From ForceLogout returning to each subscriber's receipt of the event. Subscribers are spread over the
/// given replicas (round robin), each a SubscribeLogouts stream; every round registers a session on the
/// first replica, forces it out there, and waits until every subscriber has the event. Latency is
/// receipt time less the time ForceLogout returned (0 when the event arrived first). The first WARMUP
/// rounds are not counted: until the JIT has tiered up the hot paths of the servers and of this client
/// (about a hundred rounds at 1,000 subscribers), a round measures compilation, not delivery.
/// </summary>
internal static class LogoutLatency
{
    internal static string Percentiles(List<double> samples)
    {
        samples.Sort();
        double At(double q) => samples[(int)Math.Round(q * (samples.Count - 1))];
        return $"p50 {At(0.5):F2} ms, p90 {At(0.9):F2} ms, p99 {At(0.99):F2} ms, max {samples[^1]:F2} ms";
    }

    public static async Task<int> RunAsync(string[] replicas, int subscribers, int rounds, int warmup)
    {
        var channels = replicas.Select(r => GrpcChannel.ForAddress(r, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        })).ToArray();
        var events = new SessionEventsService.SessionEventsServiceClient(channels[0]);
        var clock = Stopwatch.StartNew();
        var arrivals = new ConcurrentDictionary<string, ConcurrentQueue<double>>();
        var waiting = new ConcurrentDictionary<string, TaskCompletionSource>();
        using var stop = new CancellationTokenSource();
        var opened = new CountdownEvent(subscribers);

        var readers = Enumerable.Range(0, subscribers).Select(i => Task.Run(async () =>
        {
            var client = new SessionEventsService.SessionEventsServiceClient(channels[i % channels.Length]);
            using var call = client.SubscribeLogouts(new SubscribeLogoutsRequest { Audiences = { "bench" } }, cancellationToken: stop.Token);
            var first = true;
            try
            {
                while (await call.ResponseStream.MoveNext(stop.Token))
                {
                    if (first) { opened.Signal(); first = false; }
                    var e = call.ResponseStream.Current.Event;
                    if (e is null) continue;
                    var at = clock.Elapsed.TotalMilliseconds;
                    var seen = arrivals.GetOrAdd(e.SessionIds[0], _ => new ConcurrentQueue<double>());
                    seen.Enqueue(at);
                    if (seen.Count >= subscribers && waiting.TryGetValue(e.SessionIds[0], out var done)) done.TrySetResult();
                }
            }
            catch (Grpc.Core.RpcException) when (stop.IsCancellationRequested) { }
            catch (Grpc.Core.RpcException e)
            {
                // Say why the round will then wait in vain (a subscriber ended as too slow, say), instead of only timing out.
                Console.Error.WriteLine($"subscriber {i}: its stream ended: {e.StatusCode} {e.Status.Detail}");
            }
        })).ToList();
        opened.Wait(TimeSpan.FromSeconds(60));

        var samples = new List<double>(subscribers * rounds);
        var fromCall = new List<double>(subscribers * rounds);
        var calls = new List<double>(rounds);
        for (var round = -warmup; round < rounds; round++)
        {
            var request = new RegisterSessionRequest
            {
                Principal = new Principal { Id = $"bench-{round}", Type = PrincipalType.Human },
                Role = new Role { Arn = "arn:aws:iam::123456789012:role/Developer" },
                Context = new RequestContext { Mfa = true },
                Audiences = { "bench" },
            };
            var id = (await events.RegisterSessionAsync(request)).Session.SessionId;
            // Set up before the logout, so no event can arrive before its round is waiting for it.
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting[id] = done;
            var called = clock.Elapsed.TotalMilliseconds;
            await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
            var returned = clock.Elapsed.TotalMilliseconds;
            await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
            if (round < 0) continue;
            samples.AddRange(arrivals[id].Select(t => Math.Max(0, t - returned)));
            fromCall.AddRange(arrivals[id].Select(t => t - called));
            calls.Add(returned - called);
        }
        stop.Cancel();
        await Task.WhenAll(readers);

        Console.WriteLine($"{subscribers} subscribers on {replicas.Length} replica(s), {rounds} logouts after {warmup} not counted, {samples.Count} deliveries:");
        Console.WriteLine($"  ForceLogout returned -> received: {Percentiles(samples)}");
        Console.WriteLine($"  ForceLogout called   -> received: {Percentiles(fromCall)}");
        Console.WriteLine($"  ForceLogout call itself:          {Percentiles(calls)}");
        return 0;
    }
}
