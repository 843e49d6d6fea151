using System.Net;
using Microsoft.AspNetCore.Http;

namespace SessionPolicy.StsEndpoint;

/// <summary>What every Query API endpoint here checks of a request before its action: the form encoding, the SigV4 signature for its service, and the form itself.</summary>
public static class QueryRequest
{
    /// <summary>The signed form of <paramref name="request"/>, its caller and the region it was signed for; a <see cref="StsError"/> as AWS words it otherwise.</summary>
    public static async Task<(StsCaller Caller, string Region, QueryForm Form)> ReadAsync(HttpRequest request, Func<string, StsCaller?> callers, DateTimeOffset now, string service)
    {
        if (!(request.ContentType ?? "").StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            throw new StsError(HttpStatusCode.BadRequest, "InvalidParameterValue", "Content-Type must be application/x-www-form-urlencoded.");
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        var body = buffer.ToArray();
        var (caller, region) = SigV4Verifier.Verify(request, body, callers, now, service);
        return (caller, region, QueryForm.Parse(System.Text.Encoding.UTF8.GetString(body)));
    }
}
