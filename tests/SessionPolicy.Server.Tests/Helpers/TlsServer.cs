using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// The service in process on real Kestrel over HTTPS on a free loopback port, configured as an operator would
/// (<c>Kestrel:Endpoints</c> with a PEM certificate); clients connect with or without a client certificate.
/// </summary>
public sealed class TlsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _trusted;
    private readonly List<GrpcChannel> _channels = [];

    private TlsServer(WebApplication app, Uri address, X509Certificate2 trusted)
    {
        _app = app;
        Address = address;
        _trusted = trusted;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TlsServer> StartAsync(TestCertificates serverAuthority, string folder, IDictionary<string, string?> settings)
    {
        var (certificate, key) = serverAuthority.ServerFiles(folder);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Https:Certificate:Path"] = certificate,
            ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = key,
        });
        // The certificate files are written just before start: Kestrel's reload of its endpoints when those files
        // change would rebind them (to another port) under a running test.
        builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: false));
        builder.AddSessionPolicy();
        var app = builder.Build();
        app.StartSessionPolicy().MapSessionPolicy();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TlsServer(app, new Uri(address), serverAuthority.Authority);
    }

    /// <summary>A channel (its own connection) presenting <paramref name="clientCertificate"/>, or none.</summary>
    public GrpcChannel Channel(X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate!,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && Issued(certificate),
            },
        };
        if (clientCertificate is null) handler.SslOptions.LocalCertificateSelectionCallback = null;
        var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = handler });
        _channels.Add(channel);
        return channel;
    }

    private bool Issued(X509Certificate certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _channels) c.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
