using System.Globalization;
using Google.Protobuf;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// Ends a gRPC call before it reaches the gRPC server (a refused rate limit) as gRPC does:
/// HTTP 200, the status in the headers (a trailers-only reply), its details as <c>grpc-status-details-bin</c>.
/// </summary>
internal static class TrailersOnlyReply
{
    public static Task WriteAsync(HttpContext context, Google.Rpc.Status status)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = status.Code.ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(status.Message);
        if (status.Details.Count > 0) response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray()).TrimEnd('=');
        return Task.CompletedTask;
    }
}
