using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Benchmarks;

/// <summary>
/// Warm Decide throughput from a .NET gRPC client over HTTPS, optionally presenting a client certificate or a
/// bearer token: CONNECTIONS channels, each with STREAMS calls in flight, the same request over and over.
/// Runs one warm-up second, then counts completed calls for SECONDS and prints "REQ_PER_SECOND ERRORS ALL_CALLS",
/// the last counting every call of the run (warm-up included), to divide the server's CPU time by.
/// h2load cannot present a client certificate, hence this.
/// </summary>
internal static class DecideLoad
{
    public static async Task<int> RunAsync(string url, double seconds, int connections, int streams, string caFile, string? certFile, string? keyFile, string? token)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caFile);
        var authority = authorities[0];
        var certificate = certFile is null ? null : X509Certificate2.CreateFromPemFile(certFile, keyFile);
        var headers = token is null ? null : new Metadata { { "authorization", $"Bearer {token}" } };
        var request = new DecideRequest
        {
            Principal = new Principal { Id = "alice", Type = PrincipalType.Human, Groups = { "eng", "ops" } },
            Role = new Role { Arn = "arn:aws:iam::123456789012:role/Developer" },
            Context = new RequestContext { Environment = "production", Mfa = true, SourceIp = "10.1.2.3", Channel = Channel.Web },
        };
        var channels = Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    ClientCertificates = certificate is null ? null : [certificate],
                    RemoteCertificateValidationCallback = (_, server, _, _) => server is not null && IssuedBy(server, authority),
                },
            },
        })).ToList();
        long completed = 0, errors = 0, all = 0;
        var counting = false;
        using var stop = new CancellationTokenSource();
        var loops = channels.SelectMany(c => Enumerable.Range(0, streams).Select(_ => Task.Run(async () =>
        {
            var client = new SessionPolicyService.SessionPolicyServiceClient(c);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await client.DecideAsync(request, headers);
                    Interlocked.Increment(ref all);
                    if (Volatile.Read(ref counting)) Interlocked.Increment(ref completed);
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref all);
                    if (Volatile.Read(ref counting)) Interlocked.Increment(ref errors);
                }
            }
        }))).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref counting, true);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref counting, false);
        var elapsed = clock.Elapsed.TotalSeconds;
        var done = Interlocked.Read(ref completed);
        stop.Cancel();
        await Task.WhenAll(loops);
        foreach (var c in channels) c.Dispose();
        Console.WriteLine($"{done / elapsed:F1} {Interlocked.Read(ref errors)} {Interlocked.Read(ref all)}");
        return 0;
    }

    private static bool IssuedBy(X509Certificate server, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate = new X509Certificate2(server);
        return chain.Build(certificate);
    }
}
