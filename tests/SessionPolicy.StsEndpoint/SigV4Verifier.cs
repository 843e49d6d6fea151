using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace SessionPolicy.StsEndpoint;

/// <summary>
/// Checks an AWS Signature Version 4 <c>Authorization</c> header the way AWS does: a known access key,
/// the credential scope (date, region, the service: <c>sts</c> or <c>iam</c>), a timestamp within 15 minutes, and the
/// signature over the canonical request, headers and body.
/// </summary>
public static partial class SigV4Verifier
{
    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    /// <summary>The verified caller and the region of its signature.</summary>
    public static (StsCaller Caller, string Region) Verify(HttpRequest request, byte[] body, Func<string, StsCaller?> findKey, DateTimeOffset now, string expectedService = "sts")
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0) throw new StsError(HttpStatusCode.Forbidden, "MissingAuthenticationToken", "Request is missing Authentication Token");
        var match = AuthorizationHeader().Match(header);
        if (!match.Success) throw new StsError(HttpStatusCode.BadRequest, "IncompleteSignature", "Authorization header is not a valid AWS4-HMAC-SHA256 header.");
        var (keyId, date, region, service) = (match.Groups["key"].Value, match.Groups["date"].Value, match.Groups["region"].Value, match.Groups["service"].Value);
        var signedHeaders = match.Groups["headers"].Value.Split(';');
        var caller = findKey(keyId) ?? throw new StsError(HttpStatusCode.Forbidden, "InvalidClientTokenId", "The security token included in the request is invalid.");
        if (service != expectedService) throw new StsError(HttpStatusCode.BadRequest, "IncompleteSignature", $"Credential should be scoped to correct service: '{expectedService}'.");

        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            throw new StsError(HttpStatusCode.BadRequest, "IncompleteSignature", "X-Amz-Date is missing or malformed.");
        }
        if (!amzDate.StartsWith(date, StringComparison.Ordinal)) throw new StsError(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", "Credential date does not match X-Amz-Date.");
        if ((now - signedAt).Duration() > MaxSkew) throw new StsError(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", "Signature expired: request time is more than 15 minutes from the server time.");
        if (!signedHeaders.Contains("host")) throw new StsError(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", "The host header must be signed.");

        var canonical = new StringBuilder()
            .Append(request.Method).Append('\n')
            .Append(request.Path.HasValue ? request.Path.Value : "/").Append('\n')
            .Append(CanonicalQuery(request.QueryString.Value)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var value = name == "host" ? request.Host.Value : string.Join(",", request.Headers[name].Select(v => Spaces().Replace(v!.Trim(), " ")));
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }
        canonical.Append('\n').Append(string.Join(';', signedHeaders)).Append('\n').Append(Hex(SHA256.HashData(body)));

        var scope = $"{date}/{region}/{service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + caller.SecretAccessKey), date);
        key = Hmac(Hmac(Hmac(key, region), service), "aws4_request");
        var expected = Hex(Hmac(key, toSign));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(match.Groups["signature"].Value)))
        {
            throw new StsError(HttpStatusCode.Forbidden, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
        }
        return (caller, region);
    }

    private static string CanonicalQuery(string? query)
    {
        if (string.IsNullOrEmpty(query) || query == "?") return "";
        return string.Join('&', query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Value: Uri.EscapeDataString(Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/\s]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z0-9-]+)/aws4_request,\s*SignedHeaders=(?<headers>[a-z0-9;-]+),\s*Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
