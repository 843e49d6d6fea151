using System.Net;

namespace SessionPolicy.StsEndpoint;

/// <summary>An STS error as the Query API returns it: HTTP status, <c>Sender</c> or <c>Receiver</c>, code and message.</summary>
public sealed class StsError(HttpStatusCode status, string code, string message, string type = "Sender") : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
    public string Code { get; } = code;
    public string Type { get; } = type;

    public static StsError Validation(string message) => new(HttpStatusCode.BadRequest, "ValidationError", message);

    public static StsError AccessDenied(string message) => new(HttpStatusCode.Forbidden, "AccessDenied", message);
}
