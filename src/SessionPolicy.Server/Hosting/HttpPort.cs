using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Hosting;

/// <summary>
/// The HTTP/1.1 port beside the gRPC ones (<c>SessionPolicy:Http:Url</c>), for what standards serve over plain HTTP: the
/// signing keys as a JSON Web Key Set at <c>/.well-known/jwks.json</c>, the Shared Signals transmitter, <c>/metrics</c> for
/// Prometheus when enabled, and the gRPC services for HTTP/1.1 clients (JSON transcoding, gRPC-Web: <see cref="HttpClientAccess"/>). It is a Kestrel endpoint of its own, speaking
/// HTTP/1.1 only; its routes answer only there (a connection accepted on it is marked), and the gRPC services never
/// do (they need HTTP/2). The same listening rule holds for it as for every address (<see cref="BindingGuard"/>).
/// </summary>
internal static class HttpPort
{
    public const string UrlKey = "SessionPolicy:Http:Url";

    public const string JwksPath = "/.well-known/jwks.json";

    private const string EndpointName = "SessionPolicyHttp";

    private const string Marker = "sessionpolicy.http-port";

    /// <summary>
    /// Adds the endpoint when configured. Kestrel serves the configured <c>Kestrel:Endpoints</c> instead of <c>Urls</c>, so
    /// when only <c>Urls</c> names the gRPC addresses they become endpoints too, unchanged (Kestrel still logs that the
    /// endpoints override <c>Urls</c>: they hold the same addresses).
    /// </summary>
    public static WebApplicationBuilder AddHttpPort(this WebApplicationBuilder builder)
    {
        var url = builder.Configuration[UrlKey];
        if (string.IsNullOrWhiteSpace(url)) return builder;
        if (!Uri.TryCreate(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/" || uri.UserInfo.Length > 0)
        {
            throw new StartupFailure($"{UrlKey} '{url}' must be an http or https URL of a host and a port, such as http://127.0.0.1:5081");
        }
        var endpoints = new Dictionary<string, string?>();
        if (!builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            static string[] List(string? value) => (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var urls = List(builder.Configuration[WebHostDefaults.ServerUrlsKey]).ToList();
            // As Kestrel reads them: the ports settings count only without Urls.
            if (urls.Count == 0)
            {
                urls.AddRange(List(builder.Configuration[WebHostDefaults.HttpPortsKey]).Select(p => $"http://*:{p}"));
                urls.AddRange(List(builder.Configuration[WebHostDefaults.HttpsPortsKey]).Select(p => $"https://*:{p}"));
            }
            for (var i = 0; i < urls.Count; i++) endpoints[$"Kestrel:Endpoints:Grpc{i}:Url"] = urls[i];
        }
        endpoints[$"Kestrel:Endpoints:{EndpointName}:Url"] = url;
        endpoints[$"Kestrel:Endpoints:{EndpointName}:Protocols"] = nameof(HttpProtocols.Http1);
        builder.Configuration.AddInMemoryCollection(endpoints);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Configure(builder.Configuration.GetSection("Kestrel"))
            .Endpoint(EndpointName, endpoint => endpoint.ListenOptions.Use(next => connection =>
            {
                connection.Items[Marker] = true;
                return next(connection);
            })));
        return builder;
    }

    /// <summary>
    /// The HTTP port's middleware, ahead of the gRPC request-frame check: <c>/metrics</c>, and gRPC-Web turned into gRPC
    /// (its bodies are then checked as any gRPC call's).
    /// </summary>
    public static WebApplication UseHttpPort(this WebApplication app)
    {
        app.UsePrometheusScrape(OnHttpPort);
        app.UseHttpClientAccess(OnHttpPort);
        return app;
    }

    /// <summary>Maps the HTTP port's routes (the key set, and the Shared Signals transmitter): each answers 404 on any other endpoint.</summary>
    public static WebApplication MapHttpPort(this WebApplication app)
    {
        if (app.Services.GetService<SigningKeys>() is not { } keys) return app;
        var routes = app.MapGroup("").AddEndpointFilter(async (context, next) => OnHttpPort(context.HttpContext) ? await next(context) : Results.NotFound());
        routes.MapGet(JwksPath, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Text(keys.Jwks, "application/jwk-set+json");
        });
        if (app.Services.GetService<Receivers.SharedSignalTokens>() is { } sets) Receivers.SharedSignalsEndpoints.Map(routes, sets.Issuer);
        return app;
    }

    private static bool OnHttpPort(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Marker, out var marked) == true && marked is true;
}
