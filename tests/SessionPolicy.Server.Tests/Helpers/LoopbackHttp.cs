using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>A real HTTP/1.1 server on a free loopback port, as receivers of the service's pushes speak it.</summary>
public static class LoopbackHttp
{
    /// <summary>Starts an app whose routes <paramref name="map"/> adds; the app and its port.</summary>
    public static async Task<(WebApplication App, int Port)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // HTTP/1.1 only: the test output also holds the server's settings, whose endpoints are HTTP/2.
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return (app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port);
    }
}
