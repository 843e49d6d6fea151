using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.EndToEnd;

/// <summary>
/// The real process refusing to start: one clear message naming the file (with line:column) or the setting,
/// the documented exit code (2 settings and the files they name, 3 the policy), and no .NET stack trace.
/// </summary>
/// <remarks>Each case starts a process: they run one at a time, apart from the other tests, so they add no burst of load.</remarks>
[Collection(StartupFailureCollection.Name)]
public sealed class StartupFailureTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("startup-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string File(string name, string content)
    {
        var path = Path.Combine(_dir.FullName, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public static TheoryData<string, int, string[]> Cases => new()
    {
        { "policy that does not validate", 3, ["policy.yaml:2:", "defaults.idle_timeout"] },
        { "policy file missing", 3, ["SessionPolicy:Policy:Path", "does not exist"] },
        { "setting out of range", 2, ["SessionPolicy:DecisionCache:MaxEntries"] },
        { "setting that does not convert", 2, ["SessionPolicy:Limits:Period", "banana"] },
        { "signing key file that is not a key", 2, ["SessionPolicy:Auth:SigningKeyFiles", "not-a-key.pem"] },
        { "unauthenticated on all interfaces", 2, ["without authentication", "SessionPolicy:Auth"] },
        { "HTTP port that is not an http URL", 2, ["SessionPolicy:Http:Url", "ftp://127.0.0.1:9"] },
        { "HTTP port unauthenticated on all interfaces", 2, ["without authentication", "http://0.0.0.0:0"] },
        { "Prometheus without the HTTP port", 2, ["SessionPolicy:Metrics:Prometheus serves /metrics on the HTTP port", "SessionPolicy:Http:Url"] },
        { "CORS origin of any site", 2, ["SessionPolicy:Http:CorsOrigins '*' must be an origin such as https://app.example.com"] },
        { "Prometheus setting that is not a boolean", 2, ["SessionPolicy:Metrics:Prometheus 'yes please' must be true or false"] },
        { "receiver pushing over plain http", 2, ["SessionPolicy:Receivers:List:0:Url must be https"] },
        { "receiver of an unknown kind, twice named", 2, ["SessionPolicy:Receivers:List:0:Kind must be one of oidc-backchannel, ssf-push, ssf-poll", "SessionPolicy:Receivers:List:1:Name 'rp' is used twice"] },
        { "receivers without a signing key", 2, ["SessionPolicy:Receivers:List needs a signing key", "SessionPolicy:SecurityEventTokens:KeyFile"] },
        { "previous signing key missing", 2, ["SessionPolicy:SecurityEventTokens:PreviousKeyFiles:0", "absent.pem"] },
        { "previous signing key that is not a key", 2, ["SessionPolicy:SecurityEventTokens:PreviousKeyFiles:0", "not-a-key.pem", "holds no PEM"] },
    };

    /// <summary>A receiver's settings (under List:0), with a signing key so only the receiver can be refused.</summary>
    private Dictionary<string, string> Receiver(params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["SessionPolicy__SecurityEventTokens__Issuer"] = "https://issuer.example",
            ["SessionPolicy__SecurityEventTokens__KeyFile"] = File("receiver-key.pem", System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem()),
        };
        foreach (var (k, v) in settings) environment[$"SessionPolicy__Receivers__List__0__{k}"] = v;
        return environment;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Start_RefusedSetting_ExitsWithOneMessageAndItsCode(string refused, int exitCode, string[] named)
    {
        var environment = refused switch
        {
            "policy that does not validate" => new Dictionary<string, string> { ["SessionPolicy__Policy__Path"] = File("policy.yaml", "version: 1\ndefaults: { max_session: 1h, idle_timeout: whenever }\n") },
            "policy file missing" => new Dictionary<string, string> { ["SessionPolicy__Policy__Path"] = Path.Combine(_dir.FullName, "absent.yaml") },
            "setting out of range" => new Dictionary<string, string> { ["SessionPolicy__DecisionCache__MaxEntries"] = "-1" },
            "setting that does not convert" => new Dictionary<string, string> { ["SessionPolicy__Limits__Period"] = "banana" },
            "signing key file that is not a key" => new Dictionary<string, string>
            {
                ["SessionPolicy__Auth__Issuer"] = "https://issuer.example", ["SessionPolicy__Auth__Audience"] = "session-policy",
                ["SessionPolicy__Auth__SigningKeyFiles__0"] = File("not-a-key.pem", "hello"),
            },
            "previous signing key missing" => new Dictionary<string, string>
            {
                ["SessionPolicy__SecurityEventTokens__Issuer"] = "https://issuer.example",
                ["SessionPolicy__SecurityEventTokens__KeyFile"] = File("current.pem", System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem()),
                ["SessionPolicy__SecurityEventTokens__PreviousKeyFiles__0"] = Path.Combine(_dir.FullName, "absent.pem"),
            },
            "previous signing key that is not a key" => new Dictionary<string, string>
            {
                ["SessionPolicy__SecurityEventTokens__Issuer"] = "https://issuer.example",
                ["SessionPolicy__SecurityEventTokens__KeyFile"] = File("current.pem", System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem()),
                ["SessionPolicy__SecurityEventTokens__PreviousKeyFiles__0"] = File("not-a-key.pem", "hello"),
            },
            "receiver pushing over plain http" => Receiver(("Name", "rp"), ("Kind", "oidc-backchannel"), ("Url", "http://rp.example.com/logout"), ("Audiences__0", "app-a")),
            "receiver of an unknown kind, twice named" => new Dictionary<string, string>(Receiver(("Name", "rp"), ("Kind", "webhook"), ("Url", "https://rp.example.com/logout"), ("Audiences__0", "app-a")))
            {
                ["SessionPolicy__Receivers__List__1__Name"] = "rp", ["SessionPolicy__Receivers__List__1__Kind"] = "oidc-backchannel",
                ["SessionPolicy__Receivers__List__1__Url"] = "https://rp.example.com/other", ["SessionPolicy__Receivers__List__1__Audiences__0"] = "app-b",
            },
            "receivers without a signing key" => new Dictionary<string, string>
            {
                ["SessionPolicy__Receivers__List__0__Name"] = "rp", ["SessionPolicy__Receivers__List__0__Kind"] = "oidc-backchannel",
                ["SessionPolicy__Receivers__List__0__Url"] = "https://rp.example.com/logout", ["SessionPolicy__Receivers__List__0__Audiences__0"] = "app-a",
            },
            "HTTP port that is not an http URL" => new Dictionary<string, string> { ["SessionPolicy__Http__Url"] = "ftp://127.0.0.1:9" },
            "HTTP port unauthenticated on all interfaces" => new Dictionary<string, string> { ["SessionPolicy__Http__Url"] = "http://0.0.0.0:0" },
            "CORS origin of any site" => new Dictionary<string, string>
            {
                ["SessionPolicy__Http__CorsOrigins__0"] = "*", ["SessionPolicy__Http__Url"] = "http://127.0.0.1:0",
            },
            "Prometheus without the HTTP port" => new Dictionary<string, string> { ["SessionPolicy__Metrics__Prometheus"] = "true" },
            "Prometheus setting that is not a boolean" => new Dictionary<string, string>
            {
                ["SessionPolicy__Metrics__Prometheus"] = "yes please", ["SessionPolicy__Http__Url"] = "http://127.0.0.1:0",
            },
            _ => new Dictionary<string, string>(),
        };

        var (code, output) = await ServerProcess.RunToExitAsync(environment, refused == "unauthenticated on all interfaces" ? "http://0.0.0.0:0" : "http://127.0.0.1:0");

        Assert.Equal(exitCode, code);
        var message = Assert.Single(output.Split('\n'), l => l.StartsWith("session-policy: cannot start:", StringComparison.Ordinal));
        foreach (var part in named) Assert.Contains(part, output);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Exception", message);
    }

    /// <summary>Every way of giving Kestrel a port; the configured Urls (loopback, from appsettings) emptied so it is the one used.</summary>
    public static TheoryData<string, string, string> Ports => new()
    {
        { "HTTP_PORTS", "env", "HTTP_PORTS" },
        { "ASPNETCORE_HTTP_PORTS", "env", "ASPNETCORE_HTTP_PORTS" },
        { "--http_ports", "arg", "--http_ports" },
        { "Kestrel endpoint", "env", "Kestrel__Endpoints__Open__Url" },
    };

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task Start_ListeningOffLoopbackWithoutAuthentication_HoweverConfigured_IsRefused(string how, string kind, string name)
    {
        var port = LoopbackPorts.Free();
        var value = name is "Kestrel__Endpoints__Open__Url" ? $"http://0.0.0.0:{port}" : port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string> { ["Urls"] = "" };
        if (kind == "env") environment[name] = value;

        var (code, output) = await ServerProcess.RunToExitAsync(environment, urls: null, kind == "arg" ? [name, value] : []);

        Assert.True(code == 2, $"{how}: exit code {code}: {output}");
        Assert.Contains($"refusing to serve", output);
        Assert.Contains($":{port}", output);
        Assert.Single(output.Split('\n'), l => l.StartsWith("session-policy: cannot start:", StringComparison.Ordinal));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StartupFailureCollection
{
    public const string Name = "start-up failures";
}
