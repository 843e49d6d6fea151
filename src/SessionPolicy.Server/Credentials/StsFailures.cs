using System.Net.Sockets;
using Amazon.Runtime;

namespace SessionPolicy.Server.Credentials;

/// <summary>
/// Turns what STS (or the way to it) answered into a gRPC status a caller can act on. Messages are fixed
/// per error code and carry the code (when known) and the AWS request id; never what STS wrote, never the credentials.
/// </summary>
internal static class StsFailures
{
    /// <summary>The wait suggested (google.rpc.RetryInfo) after throttling or a network failure the SDK already retried.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>STS refused a DurationSeconds above the role's MaxSessionDuration.</summary>
    public static bool IsAboveRoleMaximum(AmazonServiceException e) =>
        e.ErrorCode == "ValidationError" && e.Message.Contains("MaxSessionDuration", StringComparison.OrdinalIgnoreCase);

    /// <summary>STS refused more than an hour because the service's credentials are a role session.</summary>
    public static bool IsAboveRoleChainingLimit(AmazonServiceException e) =>
        e.ErrorCode == "ValidationError" && e.Message.Contains("role chaining", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the failure is the way to STS, not an answer from it.</summary>
    public static bool IsNetwork(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException or IOException or SocketException or TimeoutException or TaskCanceledException) return true;
        }
        return false;
    }

    /// <summary>The error codes STS sends that the service acts on; any other is reported as unknown, without its text.</summary>
    private static readonly HashSet<string> KnownCodes = new(StringComparer.Ordinal)
    {
        "MalformedPolicyDocument", "PackedPolicyTooLarge", "RegionDisabledException", "ExpiredToken", "ExpiredTokenException",
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "AccessDenied", "AccessDeniedException", "InvalidClientTokenId",
        "SignatureDoesNotMatch", "MissingAuthenticationToken", "IncompleteSignature", "ValidationError", "InternalFailure", "ServiceUnavailable",
    };

    /// <summary>The STS error code when it is one the service knows, else "unknown": an answer's text is never passed on.</summary>
    public static string Code(AmazonServiceException e) => e.ErrorCode is { } code && KnownCodes.Contains(code) ? code : "unknown";

    /// <summary>The AWS request id when it looks like one (for support), else empty.</summary>
    public static string RequestId(AmazonServiceException e) =>
        e.RequestId is { Length: > 0 and <= 64 } id && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? id : "";

    /// <summary>
    /// The status for what STS or the way to it answered: a fixed message per error code, with the code and
    /// the AWS request id, never STS's own message (an endpoint that echoes the request would put the
    /// service's credentials in it) nor an exception's.
    /// </summary>
    public static ServiceFailure ToFailure(Exception e, StsAsk request, string region)
    {
        if (e is not AmazonServiceException aws)
        {
            if (IsNetwork(e)) return ServiceFailure.Unavailable($"STS could not be reached after retries ({e.GetBaseException().GetType().Name}); try again", RetryDelay);
            if (e is AmazonClientException)
            {
                return new ServiceFailure(FailureKind.FailedPrecondition, "the service has no usable AWS credentials or STS settings; the operator must fix them (see the service's log)");
            }
            return new ServiceFailure(FailureKind.Internal, $"issuing the session failed unexpectedly ({e.GetType().Name})");
        }

        var code = Code(aws);
        var id = RequestId(aws);
        var said = id.Length > 0 ? $"STS {code}, AWS request id {id}" : $"STS {code}";
        return code switch
        {
            "MalformedPolicyDocument" => ServiceFailure.InvalidField(request.InlinePolicy.Length > 0 ? "inline_policy" : "policy_arns", $"was refused by STS as a session policy ({said})"),
            "PackedPolicyTooLarge" => ServiceFailure.InvalidField(request.InlinePolicy.Length > 0 ? "inline_policy" : "session_tags",
                $"with the session tags and policies exceeds the packed size STS allows; send fewer or shorter ones ({said})"),
            "RegionDisabledException" => new ServiceFailure(FailureKind.FailedPrecondition,
                $"STS is not activated in region {region} for the service's account; an account administrator can activate it in IAM ({said})"),
            "ExpiredToken" or "ExpiredTokenException" => ServiceFailure.Unavailable($"the service's own AWS credentials have expired; they are refreshed by their provider, try again ({said})", RetryDelay),
            "Throttling" or "ThrottlingException" or "RequestLimitExceeded" =>
                ServiceFailure.Unavailable($"STS is throttling the service's requests, still after backing off; try again later ({said})", RetryDelay),
            "AccessDenied" or "AccessDeniedException" => new ServiceFailure(FailureKind.PermissionDenied,
                $"STS denied assuming {request.RoleArn}: the role's trust policy must allow the service (and match external_id when it requires one) ({said})"),
            "InvalidClientTokenId" or "SignatureDoesNotMatch" or "MissingAuthenticationToken" or "IncompleteSignature" =>
                new ServiceFailure(FailureKind.FailedPrecondition, $"STS refused the service's own AWS credentials; the operator must fix them ({said})"),
            "ValidationError" when IsAboveRoleMaximum(aws) => new ServiceFailure(FailureKind.InvalidArgument,
                $"STS refused the session's duration as above the role's MaxSessionDuration, also after retrying at the maximum it named ({said})"),
            "ValidationError" when IsAboveRoleChainingLimit(aws) => new ServiceFailure(FailureKind.InvalidArgument,
                $"STS refused the session's duration as above the one hour role chaining allows ({said})"),
            "ValidationError" => new ServiceFailure(FailureKind.InvalidArgument, $"STS refused the request as invalid: check the session tags, policies, external_id and source_identity ({said})"),
            _ when (int)aws.StatusCode >= 500 => ServiceFailure.Unavailable($"STS failed ({said}); try again", RetryDelay),
            _ => new ServiceFailure(FailureKind.Internal, $"STS answered with an error the service does not know ({said})"),
        };
    }
}
