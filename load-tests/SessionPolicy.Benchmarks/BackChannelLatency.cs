using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.V1;

namespace SessionPolicy.Benchmarks;

/// <summary>
/// OIDC Back-Channel Logout to many receivers: this process serves the receivers (one HTTP/1.1 server on loopback, receiver
/// N at <c>/r/N</c>, answering 200) that the server under test was configured with. <c>latency</c>: per round, one
/// ForceLogout of a session in the receivers' audience; the time from the call returning to the last receiver's 200.
/// <c>sustained</c>: ForceLogouts for a while, 16 in flight; deliveries per second taken by all the receivers.
/// </summary>
internal static class BackChannelLatency
{
    public static async Task<int> RunAsync(string mode, string serverUrl, int port, int receivers, int roundsOrSeconds, int warmup)
    {
        var clock = Stopwatch.StartNew();
        var arrivals = new ConcurrentDictionary<string, ConcurrentQueue<double>>();
        var waiting = new ConcurrentDictionary<string, TaskCompletionSource>();
        var taken = 0L;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1));
        await using var app = builder.Build();
        app.MapPost("/r/{n:int}", async (HttpContext context) =>
        {
            var set = context.Request.ContentType?.StartsWith("application/secevent+jwt", StringComparison.Ordinal) == true;
            var subject = set ? Subject(await new StreamReader(context.Request.Body).ReadToEndAsync()) : Subject((await context.Request.ReadFormAsync())["logout_token"].ToString());
            var at = clock.Elapsed.TotalMilliseconds;
            Interlocked.Increment(ref taken);
            var seen = arrivals.GetOrAdd(subject, _ => new ConcurrentQueue<double>());
            seen.Enqueue(at);
            if (seen.Count >= receivers && waiting.TryGetValue(subject, out var done)) done.TrySetResult();
            return set ? Results.StatusCode(202) : Results.Ok();
        });
        // down: the receivers are down (nothing listens) while sessions end; they come back afterwards.
        if (mode != "down") await app.StartAsync();
        using var channel = GrpcChannel.ForAddress(serverUrl);
        var events = new SessionEventsService.SessionEventsServiceClient(channel);

        async Task<double> LogoutAsync(string principal)
        {
            var id = (await events.RegisterSessionAsync(new RegisterSessionRequest
            {
                Principal = new Principal { Id = principal, Type = PrincipalType.Human },
                Role = new Role { Arn = "arn:aws:iam::123456789012:role/ReadOnly" },
                Context = new RequestContext { Mfa = true, Environment = "staging" },
                Audiences = { "bench" },
            })).Session.SessionId;
            await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
            return clock.Elapsed.TotalMilliseconds;
        }

        if (mode == "latency")
        {
            var lastArrival = new List<double>();
            for (var round = -warmup; round < roundsOrSeconds; round++)
            {
                var principal = $"bench-{round + warmup}";
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting[principal] = done;
                var returned = await LogoutAsync(principal);
                await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
                if (round >= 0) lastArrival.Add(arrivals[principal].Max() - returned);
            }
            Console.WriteLine($"{receivers} receivers, {roundsOrSeconds} logouts after {warmup} not counted:");
            Console.WriteLine($"  ForceLogout returned -> last receiver's 200: {LogoutLatency.Percentiles(lastArrival)}");
            return 0;
        }
        if (mode == "down")
        {
            // roundsOrSeconds seconds of logouts at warmup per second, every receiver down; then they come back.
            var rate = Math.Max(1, warmup);
            var count = 0;
            var began = clock.Elapsed;
            using (var tick = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / rate)))
            {
                while (clock.Elapsed - began < TimeSpan.FromSeconds(roundsOrSeconds) && await tick.WaitForNextTickAsync())
                {
                    await LogoutAsync($"down-{count++}");
                    if (count % (rate * 60) == 0) Console.WriteLine($"  {count} logouts while the receivers are down ({(clock.Elapsed - began).TotalSeconds:F0} s)");
                }
            }
            var back = clock.Elapsed;
            await app.StartAsync();
            var due = (long)count * receivers;
            var drained = clock.Elapsed + TimeSpan.FromSeconds(300);
            while (Interlocked.Read(ref taken) < due && clock.Elapsed < drained) await Task.Delay(100);
            Console.WriteLine($"{receivers} receivers down for {roundsOrSeconds} s while {count} sessions ended; back: {Interlocked.Read(ref taken)} of {due} deliveries taken in {(clock.Elapsed - back).TotalSeconds:F1} s");
            return 0;
        }
        // sustained
        var stopAt = TimeSpan.FromSeconds(roundsOrSeconds);
        var next = 0;
        var ended = 0;
        var started = clock.Elapsed;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (clock.Elapsed - started < stopAt)
            {
                await LogoutAsync($"load-{Interlocked.Increment(ref next)}");
                Interlocked.Increment(ref ended);
            }
        }));
        var sent = (long)ended * receivers;
        var drainedBy = clock.Elapsed + TimeSpan.FromSeconds(120);
        while (Interlocked.Read(ref taken) < sent && clock.Elapsed < drainedBy) await Task.Delay(50);
        var elapsed = (clock.Elapsed - started).TotalSeconds;
        Console.WriteLine($"{receivers} receivers, {ended} logouts in {roundsOrSeconds} s: {Interlocked.Read(ref taken)} of {sent} deliveries taken within {elapsed:F1} s: {Interlocked.Read(ref taken) / elapsed:F0} deliveries/s");
        return 0;
    }

    private static string Subject(string jwt)
    {
        var payload = jwt.Split('.') is [_, var p, _] ? Base64UrlEncoder.Decode(p) : "{}";
        using var doc = JsonDocument.Parse(payload);
        if (doc.RootElement.TryGetProperty("sub", out var sub)) return sub.GetString() ?? "";
        // A Shared Signals SET names the principal in sub_id (opaque: its id).
        return doc.RootElement.TryGetProperty("sub_id", out var id) && id.TryGetProperty("id", out var opaque) ? opaque.GetString() ?? "" : "";
    }
}
