using BenchmarkDotNet.Running;
using Google.Protobuf;
using SessionPolicy.V1;

// --write-decide-body FILE writes a Decide request as raw protobuf, for ../shared/bench/grpc-vs-floor.sh;
// --write-decide-json FILE the same request in the proto JSON mapping, for the JSON-transcoded route.
if (args is [("--write-decide-body" or "--write-decide-json") and var format, var path])
{
    var request = new DecideRequest
    {
        Principal = new Principal { Id = "alice", Type = PrincipalType.Human, Groups = { "eng", "ops" } },
        Role = new Role { Arn = "arn:aws:iam::123456789012:role/Developer" },
        Context = new RequestContext { Environment = "production", Mfa = true, SourceIp = "10.1.2.3", Channel = Channel.Web },
    };
    if (format == "--write-decide-json") File.WriteAllText(path, JsonFormatter.Default.Format(request));
    else File.WriteAllBytes(path, request.ToByteArray());
    return 0;
}
// --evaluate-ab BEFORE_DIR AFTER_DIR [ROUNDS]: see EvaluateAb.
if (args is ["--evaluate-ab", var beforeDir, var afterDir, ..])
{
    return SessionPolicy.Benchmarks.EvaluateAb.Run(beforeDir, afterDir, args.Length > 3 ? int.Parse(args[3]) : 40);
}
// --invalidation URL_A URL_B [ROUNDS]: see InvalidationLatency.
if (args is ["--invalidation", var replicaA, var replicaB, ..])
{
    return await SessionPolicy.Benchmarks.InvalidationLatency.RunAsync(replicaA, replicaB, args.Length > 3 ? int.Parse(args[3]) : 200);
}
// --issue-session SERVER_URL STS_URL ACCESS_KEY SECRET_KEY [ROUNDS]: see IssueSessionLatency.
if (args is ["--issue-session", var server, var sts, var accessKey, var secretKey, ..])
{
    return await SessionPolicy.Benchmarks.IssueSessionLatency.RunAsync(server, sts, accessKey, secretKey, args.Length > 5 ? int.Parse(args[5]) : 2000);
}
// --revocation SERVER_URL IAM_PORT ACCESS_KEY SECRET_KEY ROLES RATE SECONDS: see RevocationLatency.
if (args is ["--revocation", var rvServer, var rvPort, var rvKey, var rvSecret, var rvRoles, var rvRate, var rvSeconds])
{
    return await SessionPolicy.Benchmarks.RevocationLatency.RunAsync(rvServer, int.Parse(rvPort), rvKey, rvSecret, int.Parse(rvRoles), int.Parse(rvRate), int.Parse(rvSeconds));
}
// --ssm-poll IAM_PORT SERVER_PID ACCESS_KEY SECRET_KEY SESSIONS ROUNDS: see SsmPollCost.
if (args is ["--ssm-poll", var spPort, var spPid, var spKey, var spSecret, var spSessions, var spRounds])
{
    return await SessionPolicy.Benchmarks.SsmPollCost.RunAsync(int.Parse(spPort), int.Parse(spPid), spKey, spSecret, int.Parse(spSessions), int.Parse(spRounds));
}
// --logout-latency URL[,URL...] SUBSCRIBERS ROUNDS [WARMUP]: see LogoutLatency.
if (args is ["--logout-latency", var urls, var subscribers, var rounds, ..])
{
    return await SessionPolicy.Benchmarks.LogoutLatency.RunAsync(urls.Split(','), int.Parse(subscribers), int.Parse(rounds), args.Length > 4 ? int.Parse(args[4]) : 200);
}
// --backchannel latency|sustained SERVER_URL RECEIVER_PORT RECEIVERS ROUNDS|SECONDS [WARMUP]: see BackChannelLatency.
if (args is ["--backchannel", var bcMode, var bcServer, var bcPort, var bcReceivers, var bcRounds, ..])
{
    return await SessionPolicy.Benchmarks.BackChannelLatency.RunAsync(bcMode, bcServer, int.Parse(bcPort), int.Parse(bcReceivers), int.Parse(bcRounds), args.Length > 6 ? int.Parse(args[6]) : 20);
}
// --register-sessions URL COUNT [IN_FLIGHT]: registers COUNT sessions (64 at a time unless told), for the memory benchmark.
if (args is ["--register-sessions", var url, var count, ..])
{
    return await SessionPolicy.Benchmarks.RegisterSessions.RunAsync(url, int.Parse(count), args.Length > 3 ? int.Parse(args[3]) : 64);
}
// --decide-load URL SECONDS CONNECTIONS STREAMS CA_PEM [--cert CERT_PEM KEY_PEM] [--token JWT]: see DecideLoad.
if (args is ["--decide-load", var loadUrl, var seconds, var connections, var streams, var caFile, .. var rest])
{
    var cert = Array.IndexOf(rest, "--cert") is var c and >= 0 ? (rest[c + 1], rest[c + 2]) : ((string?)null, (string?)null);
    var token = Array.IndexOf(rest, "--token") is var t and >= 0 ? rest[t + 1] : null;
    return await SessionPolicy.Benchmarks.DecideLoad.RunAsync(loadUrl, double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(connections), int.Parse(streams), caFile, cert.Item1, cert.Item2, token);
}
// --write-token PRIVATE_KEY_PEM ISSUER AUDIENCE: prints a JWT with every permission, valid for an hour.
if (args is ["--write-token", var keyFile, var issuer, var audience])
{
    using var key = System.Security.Cryptography.ECDsa.Create();
    key.ImportFromPem(File.ReadAllText(keyFile));
    Console.WriteLine(new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
    {
        Issuer = issuer,
        Audience = audience,
        Expires = DateTime.UtcNow.AddHours(1),
        Claims = new Dictionary<string, object> { ["sub"] = "bench", ["permissions"] = new[] { "decide", "issue", "subscribe", "register", "admin" } },
        SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
            new Microsoft.IdentityModel.Tokens.ECDsaSecurityKey(key), Microsoft.IdentityModel.Tokens.SecurityAlgorithms.EcdsaSha256),
    }));
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
