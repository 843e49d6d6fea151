using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.AspNetCore.Web;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.OpenApi.Models;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Security;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// The gRPC services for clients that cannot speak gRPC, on the HTTP port only (<c>SessionPolicy:Http:Url</c>): JSON
/// transcoding of the unary methods (<c>POST /v1/decide</c> and the others the contract's <c>google.api.http</c> rules name,
/// with the OpenAPI document at <c>/openapi/v1.json</c>), and gRPC-Web (<c>application/grpc-web</c>,
/// <c>application/grpc-web-text</c>) for every method, with CORS for the browser origins <c>SessionPolicy:Http:CorsOrigins</c>
/// names. Both run through the same interceptors as a gRPC call, so the same authentication, permission table, validation
/// and error mapping apply; a failure is answered as HTTP status and a <c>google.rpc.Status</c> JSON body with its details
/// (a bad request's <c>google.rpc.BadRequest</c> among them).
/// </summary>
internal static class HttpClientAccess
{
    /// <summary>The browser origins (scheme, host and port) allowed to call from another origin (CORS), for gRPC-Web front-ends.</summary>
    public const string CorsOriginsKey = "SessionPolicy:Http:CorsOrigins";

    private const string CorsPolicy = "session-policy-browsers";

    /// <summary>Field names as the proto JSON mapping gives them (lowerCamelCase), enums by name, 64-bit numbers as strings.</summary>
    public static readonly GrpcJsonSettings JsonSettings = new() { IgnoreDefaultValues = true, WriteEnumsAsIntegers = false, WriteInt64sAsStrings = true };

    /// <summary>The error details a failure may carry (google.rpc.BadRequest, ErrorInfo, RetryInfo, ..., a refused Decision), written into the JSON error body.</summary>
    public static readonly TypeRegistry ErrorDetails = TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor, V1.TypesReflection.Descriptor);

    private static readonly JsonFormatter ErrorFormatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(ErrorDetails));

    public static IServiceCollection AddHttpClientAccess(this IServiceCollection services, IConfiguration configuration)
    {
        if (CorsOrigins(configuration) is { Length: > 0 } origins)
        {
            services.AddSingleton<BrowserOrigins>();
            services.AddCors(o => o.AddPolicy(CorsPolicy, p => p.WithOrigins(origins).WithMethods("POST", "GET")
                .WithHeaders("authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout")
                .WithExposedHeaders("grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding", "grpc-accept-encoding")));
        }
        services.AddGrpcSwagger();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Session Policy Service",
                Version = "v1",
                Description = "The session policy contract (sessionpolicy.v1) over HTTP/1.1 with JSON bodies. Authenticate as over gRPC: "
                    + "Authorization: Bearer <token>, or a client certificate on an https HTTP port.",
            });
        });
        return services;
    }

    /// <summary>
    /// Checks the bodies of transcoded calls, turns gRPC-Web requests on the HTTP port into gRPC calls (behind CORS when
    /// origins are configured), serves the OpenAPI document there, and answers 404 to a transcoded route reached on any
    /// other port (the gRPC ports serve gRPC only).
    /// </summary>
    public static void UseHttpClientAccess(this WebApplication app, Func<HttpContext, bool> onHttpPort)
    {
        var maxBytes = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LimitOptions>>().Value.MaxMessageBytes;
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not { } transcoded) return next(context);
            if (!onHttpPort(context))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return transcoded.HttpRule.Body.Length == 0 ? next(context) : CheckedBodyAsync(context, next, transcoded.MethodDescriptor.InputType, maxBytes);
        });
        var cors = app.Services.GetService<BrowserOrigins>() is not null;
        app.UseWhen(onHttpPort, port =>
        {
            if (cors) port.UseCors(CorsPolicy);
            port.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
            port.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
        });
    }

    /// <summary>
    /// Reads the body (at most the message limit: more is 413 with RESOURCE_EXHAUSTED), checks it against the request
    /// message (<see cref="JsonBodyCheck"/>: 400 with the field violations), and hands the transcoder the bytes read.
    /// </summary>
    private static async Task CheckedBodyAsync(HttpContext context, RequestDelegate next, MessageDescriptor input, int maxBytes)
    {
        if (await BoundedRead.ReadAsync(context.Request.Body, context.Request.ContentLength, maxBytes, context.RequestAborted) is not { } body)
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, Code.ResourceExhausted, $"the body is larger than {maxBytes} bytes", null);
            return;
        }
        var errors = new FieldViolations();
        JsonBodyCheck.Check(body, input, errors);
        if (errors.Any)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, Code.InvalidArgument, errors.Describe(), BadRequests.Of(errors.Violations));
            return;
        }
        context.Request.Body = new MemoryStream(body.Array!, body.Offset, body.Count, writable: false);
        await next(context);
    }

    /// <summary>An error as the transcoder writes one: the HTTP status, and a google.rpc.Status JSON body.</summary>
    private static Task RefuseAsync(HttpContext context, int httpStatus, Code code, string message, IMessage? detail)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        if (detail is not null) status.Details.Add(Any.Pack(detail));
        context.Response.StatusCode = httpStatus;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(ErrorFormatter.Format(status), context.RequestAborted);
    }

    /// <summary>
    /// The configured origins, each an absolute http or https origin with no path; "*" is refused: a caller's token must
    /// not be usable from any page on the web.
    /// </summary>
    private static string[] CorsOrigins(IConfiguration configuration)
    {
        var origins = configuration.GetSection(CorsOriginsKey).Get<string[]>() ?? [];
        foreach (var origin in origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/" || origin.EndsWith('/') || uri.UserInfo.Length > 0)
            {
                throw new StartupFailure($"{CorsOriginsKey} '{origin}' must be an origin such as https://app.example.com (scheme, host and port; no path, no '*')");
            }
        }
        return origins;
    }

    /// <summary>Marks that browser origins are configured (and the CORS policy registered).</summary>
    private sealed class BrowserOrigins;
}
