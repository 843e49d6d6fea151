using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Cli.Tests;

/// <summary>policyctl presents a client certificate or a bearer token, and trusts the server only through the CA it is given.</summary>
public sealed class ConnectionTests : IDisposable
{
    private static readonly string[] Decide = ["decide", "-p", "alice", "-r", "arn:aws:iam::123456789012:role/Dev", "--mfa", "true"];
    private readonly string _folder = Directory.CreateTempSubdirectory("policyctl-tls-").FullName;
    private readonly TestCertificates _authority = new();

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private (string Certificate, string Key) Write(X509Certificate2 certificate, string name)
    {
        var (cert, key) = (Path.Combine(_folder, $"{name}.pem"), Path.Combine(_folder, $"{name}.key"));
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(key, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (cert, key);
    }

    private Task<TlsServer> StartMutualTlsAsync() => TlsServer.StartAsync(_authority, _folder, new Dictionary<string, string?>
    {
        ["SessionPolicy:Auth:ClientCaFile"] = _authority.AuthorityFile(_folder),
        ["SessionPolicy:Auth:Callers:cli:Permissions:0"] = "decide",
    });

    [Fact]
    public async Task Decide_WithAClientCertificate_OverMutualTls()
    {
        await using var server = await StartMutualTlsAsync();
        using var client = _authority.Client("cli");
        var (cert, key) = Write(client, "cli");

        var run = await CliRun.RunAsync([.. Decide, "--server", server.Address.ToString(), "--cert", cert, "--key", key, "--ca", _authority.AuthorityFile(_folder)]);

        Assert.Equal("", run.Error);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("max session:", run.Output);
    }

    [Fact]
    public async Task Decide_WithoutTheCertificate_SaysUnauthenticated()
    {
        await using var server = await StartMutualTlsAsync();

        var run = await CliRun.RunAsync([.. Decide, "--server", server.Address.ToString(), "--ca", _authority.AuthorityFile(_folder)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Unauthenticated: no credential: connect over TLS with a client certificate issued by the configured CA", run.Error);
    }

    [Fact]
    public async Task Decide_ToAServerNotIssuedByTheGivenCa_IsRefusedBeforeAnythingIsSent()
    {
        await using var server = await StartMutualTlsAsync();
        using var other = new TestCertificates("Another CA");
        using var client = _authority.Client("cli");
        var (cert, key) = Write(client, "cli");

        var run = await CliRun.RunAsync([.. Decide, "--server", server.Address.ToString(), "--cert", cert, "--key", key, "--ca", other.AuthorityFile(_folder)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("The SSL connection could not be established", run.Error);
    }

    [Fact]
    public async Task Decide_WithATokenFile_PresentsTheToken()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = Path.Combine(_folder, "jwt.pem");
        File.WriteAllText(keyFile, key.ExportSubjectPublicKeyInfoPem());
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?>
        {
            ["SessionPolicy:Auth:Issuer"] = TestTokens.Issuer,
            ["SessionPolicy:Auth:Audience"] = TestTokens.Audience,
            ["SessionPolicy:Auth:SigningKeyFiles:0"] = keyFile,
        });
        var tokenFile = Path.Combine(_folder, "token");
        File.WriteAllText(tokenFile, TestTokens.Create(key, "cli", ["decide"]) + "\n");

        // Each run disposes its channel, so each gets its own.
        GrpcChannel Connect(Commands.Connection _) => GrpcChannel.ForAddress(server.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = server.Server.CreateHandler() });
        var withToken = await CliRun.RunAsync([.. Decide, "--token-file", tokenFile], Connect);
        var without = await CliRun.RunAsync(Decide, Connect);

        Assert.Equal(0, withToken.ExitCode);
        Assert.Equal(2, without.ExitCode);
        Assert.Contains("Unauthenticated: no credential", without.Error);
    }

    public static TheoryData<string[], string> BadCredentialOptions => new()
    {
        { ["--cert", "/nonexistent/cli.pem"], "--cert and --key go together" },
        { ["--cert", "/nonexistent/cli.pem", "--key", "/nonexistent/cli.key"], "--cert /nonexistent/cli.pem: no such file" },
        { ["--token-file", "/nonexistent/token"], "--token-file /nonexistent/token: no such file" },
        { ["--ca", "/nonexistent/ca.pem"], "--ca /nonexistent/ca.pem: no such file" },
    };

    [Theory]
    [MemberData(nameof(BadCredentialOptions))]
    public async Task BadCredentialOption_ExitsTwoNamingIt(string[] options, string message)
    {
        var run = await CliRun.RunAsync([.. Decide, .. options], _ => throw new InvalidOperationException("no server should be asked"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public async Task CertificateWithAnotherKey_ExitsTwoWithoutPrintingTheKey()
    {
        using var client = _authority.Client("cli");
        using var other = _authority.Client("other");
        var (cert, _) = Write(client, "cli");
        var (_, otherKey) = Write(other, "other");

        var run = await CliRun.RunAsync([.. Decide, "--cert", cert, "--key", otherKey], _ => throw new InvalidOperationException("no server should be asked"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not a PEM certificate and its matching private key", run.Error);
        Assert.DoesNotContain("PRIVATE KEY", run.Error);
    }
}
