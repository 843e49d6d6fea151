using System.CommandLine;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;

namespace SessionPolicy.Cli.Commands;

/// <summary>
/// A server to ask and how to present to it: its address, a client certificate (mutual TLS), a bearer token,
/// and the CA certificates its own certificate must chain to (the system's trust store when none).
/// </summary>
internal sealed record Connection(string Address, X509Certificate2? Certificate, X509Certificate2Collection? Authorities, string? Token)
{
    /// <summary>The call headers: the bearer token, when there is one.</summary>
    public Metadata Headers => Token is null ? [] : new Metadata { { "authorization", $"Bearer {Token}" } };

    /// <summary>A channel to the server presenting the client certificate and trusting the given CA.</summary>
    public GrpcChannel Open() => GrpcChannel.ForAddress(Address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = Certificate is null ? null : [Certificate],
                RemoteCertificateValidationCallback = Authorities is null ? null : (_, server, _, errors) => server is not null && ChainsToAuthorities(server, errors),
            },
        },
    });

    private bool ChainsToAuthorities(X509Certificate server, SslPolicyErrors errors)
    {
        // The name must still match; only the trust anchor is replaced.
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate = new X509Certificate2(server);
        return chain.Build(certificate);
    }
}

/// <summary>The options naming the server and the credentials to present to it.</summary>
internal sealed class ConnectionOptions
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    private readonly Option<string> _server = new("--server") { Description = $"Server address (h2c or https); default $SESSIONPOLICY_SERVER or {DefaultServer}." };
    private readonly Option<FileInfo> _tokenFile = new("--token-file") { Description = "File holding a bearer token (JWT) to present; default the token in $SESSIONPOLICY_TOKEN, if set." };
    private readonly Option<FileInfo> _certificate = new("--cert") { Description = "PEM client certificate to present (mutual TLS); with --key." };
    private readonly Option<FileInfo> _key = new("--key") { Description = "PEM private key of --cert." };
    private readonly Option<FileInfo> _authorities = new("--ca") { Description = "PEM CA certificate(s) the server's certificate must chain to, instead of the system's trust store." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _server, _tokenFile, _certificate, _key, _authorities }) command.Options.Add(option);
    }

    /// <summary>The server to ask: the option, then $SESSIONPOLICY_SERVER, then the local default.</summary>
    public string Server(ParseResult parse) => parse.GetValue(_server) ?? Environment.GetEnvironmentVariable("SESSIONPOLICY_SERVER") ?? DefaultServer;

    /// <summary>Reads the credential files; false (with the reason written, never a file's content) when one cannot be used.</summary>
    public bool TryRead(ParseResult parse, TextWriter error, out Connection connection)
    {
        connection = new Connection(Server(parse), null, null, null);
        var token = Environment.GetEnvironmentVariable("SESSIONPOLICY_TOKEN") is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null;
        if (parse.GetValue(_tokenFile) is { } tokenFile)
        {
            if (!tokenFile.Exists) return Fail(error, $"--token-file {tokenFile.FullName}: no such file");
            token = File.ReadAllText(tokenFile.FullName).Trim();
            if (token.Length == 0) return Fail(error, $"--token-file {tokenFile.FullName}: the file is empty");
        }
        X509Certificate2? certificate = null;
        var (certificateFile, keyFile) = (parse.GetValue(_certificate), parse.GetValue(_key));
        if (certificateFile is not null || keyFile is not null)
        {
            if (certificateFile is null || keyFile is null) return Fail(error, "--cert and --key go together");
            if (!certificateFile.Exists) return Fail(error, $"--cert {certificateFile.FullName}: no such file");
            if (!keyFile.Exists) return Fail(error, $"--key {keyFile.FullName}: no such file");
            try
            {
                certificate = X509Certificate2.CreateFromPemFile(certificateFile.FullName, keyFile.FullName);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                return Fail(error, $"--cert {certificateFile.FullName} with --key {keyFile.FullName}: not a PEM certificate and its matching private key");
            }
        }
        X509Certificate2Collection? authorities = null;
        if (parse.GetValue(_authorities) is { } authorityFile)
        {
            if (!authorityFile.Exists) return Fail(error, $"--ca {authorityFile.FullName}: no such file");
            authorities = [];
            authorities.ImportFromPemFile(authorityFile.FullName);
            if (authorities.Count == 0) return Fail(error, $"--ca {authorityFile.FullName}: holds no PEM certificate");
        }
        connection = connection with { Certificate = certificate, Authorities = authorities, Token = token };
        return true;
    }

    private static bool Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        return false;
    }
}
