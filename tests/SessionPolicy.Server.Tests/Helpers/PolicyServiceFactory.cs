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
    }

    /// <summary>The audit file this server writes unless the settings name another.</summary>
    public string AuditFile { get; }

    public FakeTimeProvider? Clock { get; }
    public string? Directory { get; }
    public string? PolicyPath { get; }

    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

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
