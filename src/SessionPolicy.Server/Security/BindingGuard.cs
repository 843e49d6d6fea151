using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Security;

/// <summary>
/// The rule for serving without authentication, checked against what is listened on: the configured URLs
/// before start, then every address the server actually bound (whatever configured it: <c>Urls</c>,
/// <c>HTTP_PORTS</c>, <c>ASPNETCORE_*</c>, Kestrel endpoints, the command line). Without authentication, only
/// loopback is served unless <see cref="AuthOptions.AllowUnauthenticated"/> allows more; otherwise the start
/// fails. Until the bound addresses are checked, every request is refused as UNAVAILABLE.
/// </summary>
internal sealed class BindingGuard(IServer server, IOptions<AuthOptions> options, ILogger<BindingGuard> logger) : IHostedLifecycleService
{
    private volatile bool _checked;

    /// <summary>Whether the addresses listened on were checked and allowed.</summary>
    public bool Checked => _checked;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs once every hosted service started, the server among them: it listens now. A refusal fails the start.</summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        Check(bound, options.Value, logger, warn: true);
        _checked = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Throws <see cref="StartupFailure"/> when <paramref name="addresses"/> include one off loopback that nothing authenticates.</summary>
    public static void Check(IReadOnlyList<string> addresses, AuthOptions auth, ILogger logger, bool warn)
    {
        if (auth.IsConfigured)
        {
            if (warn && auth.CertificatesConfigured && addresses.Count > 0 && !addresses.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
            {
                Log.CertificatesWithoutHttps(logger, string.Join(", ", addresses));
            }
            return;
        }
        var exposed = addresses.Where(u => !IsLoopback(u)).ToList();
        if (exposed.Count > 0 && !auth.AllowUnauthenticated)
        {
            throw new StartupFailure(
                $"refusing to serve {string.Join(", ", exposed)} without authentication: set {AuthOptions.Section}:SigningKeyFiles or :JwksUrl (with :Issuer and :Audience), " +
                $"or {AuthOptions.Section}:ClientCaFile (client certificates), or {AuthOptions.Section}:AllowUnauthenticated=true to accept unauthenticated callers there");
        }
        if (warn && addresses.Count > 0) Log.Unauthenticated(logger, string.Join(", ", addresses));
    }

    /// <summary>Refuses requests that arrive before the bound addresses were checked.</summary>
    public Task RefuseAsync(HttpContext context) => TrailersOnlyReply.WriteAsync(context,
        new Google.Rpc.Status { Code = (int)global::Grpc.Core.StatusCode.Unavailable, Message = "the service is starting; try again" });

    private static bool IsLoopback(string url)
    {
        var host = Uri.TryCreate(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out var uri) ? uri.Host.Trim('[', ']') : url;
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
