using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SessionPolicy.StsEndpoint;

/// <summary>The host every AWS-compatible endpoint here runs in: Kestrel on a loopback port, HTTP/1.1 and 2, nothing from any appsettings, no logging.</summary>
public static class LoopbackHost
{
    public static WebApplication Build(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Nothing from the host's appsettings (a test folder holds the service's).
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http1AndHttp2));
        return builder.Build();
    }

    /// <summary>Starts the host; its base URL, ending with '/'.</summary>
    public static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }
}
