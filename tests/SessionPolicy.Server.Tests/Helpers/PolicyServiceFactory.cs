using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// The real host, in process, on a test server. Optionally with a policy file in a private folder and a
/// fake clock; gRPC calls go through <see cref="Channel"/>.
/// </summary>
public sealed class PolicyServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new();
    private readonly Action<IServiceCollection>? _services;
    private GrpcChannel? _channel;

    public PolicyServiceFactory(string? policyYaml = null, FakeTimeProvider? clock = null, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        Clock = clock;
        _services = services;
        if (policyYaml is not null)
        {
            Directory = Path.Combine(Path.GetTempPath(), "policy-tests-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(Directory);
            PolicyPath = Path.Combine(Directory, "policy.yaml");
            File.WriteAllText(PolicyPath, policyYaml);
            _settings["SessionPolicy:Policy:Path"] = PolicyPath;
            // Tests write whole files at once: a short settle keeps reload tests quick.
            _settings["SessionPolicy:Policy:SettleDelay"] = "00:00:00.100";
        }
        // The audit trail is on by default; each server writes its own, removed with it.
        AuditFile = Path.Combine(Path.GetTempPath(), $"audit-{Guid.NewGuid():N}.jsonl");
        _settings["SessionPolicy:Audit:Path"] = AuditFile;
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) _settings[k] = v;
        // The HTTP port is a Kestrel endpoint of its own: with it, the service runs on real Kestrel on free loopback ports.
        if (_settings.ContainsKey("SessionPolicy:Http:Url"))
        {
            OnKestrel = true;
            _settings.TryAdd("urls", "http://127.0.0.1:0");
            UseKestrel();
        }
    }

    /// <summary>Whether the service runs on real Kestrel (with the HTTP port) instead of the in-memory test server.</summary>
    public bool OnKestrel { get; }

    /// <summary>Where real Kestrel listens: the gRPC address first, then the HTTP port.</summary>
    public IReadOnlyList<Uri> Addresses
    {
        get
        {
            StartServer();
            return [.. Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a))];
        }
    }

    /// <summary>The HTTP port's address, on real Kestrel.</summary>
    public Uri HttpPort => Addresses[^1];

    /// <summary>The audit file this server writes unless the settings name another.</summary>
    public string AuditFile { get; }

    public FakeTimeProvider? Clock { get; }
    public string? Directory { get; }
    public string? PolicyPath { get; }

    public GrpcChannel Channel => _channel ??= OnKestrel
        ? GrpcChannel.ForAddress(Addresses[0])
        : GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        builder.ConfigureServices(services =>
        {
            if (Clock is not null) services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
            _services?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        _channel?.Dispose();
        base.Dispose(disposing);
        if (disposing && Directory is not null && System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        if (disposing) File.Delete(AuditFile);
    }
}
