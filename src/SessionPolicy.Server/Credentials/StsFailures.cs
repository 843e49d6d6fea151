using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;

namespace SessionPolicy.Server.Credentials;

/// <summary>
/// Turns what STS (or the way to it) answered into a gRPC status a caller can act on. Messages carry the
/// STS error code and its own message, which never holds a secret; never the credentials.
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

    public static ServiceFailure ToFailure(Exception e, StsAsk request, string region)
    {
        if (e is not AmazonServiceException aws)
        {
            if (IsNetwork(e)) return ServiceFailure.Unavailable($"STS could not be reached after retries ({e.GetBaseException().GetType().Name}); try again", RetryDelay);
            if (e is AmazonClientException)
            {
                return new ServiceFailure(FailureKind.FailedPrecondition, $"the service has no usable AWS credentials or STS settings: {e.Message}");
            }
            return new ServiceFailure(FailureKind.Internal, $"issuing the session failed unexpectedly ({e.GetType().Name})");
        }

        var said = $"STS {aws.ErrorCode}: {aws.Message}";
        return aws switch
        {
            MalformedPolicyDocumentException => ServiceFailure.InvalidField(request.InlinePolicy.Length > 0 ? "inline_policy" : "policy_arns", $"was refused by STS as a session policy ({said})"),
            PackedPolicyTooLargeException => ServiceFailure.InvalidField(request.InlinePolicy.Length > 0 ? "inline_policy" : "session_tags",
                $"with the session tags and policies exceeds the packed size STS allows; send fewer or shorter ones ({said})"),
            RegionDisabledException => new ServiceFailure(FailureKind.FailedPrecondition,
                $"STS is not activated in region {region} for the service's account; an account administrator can activate it in IAM ({said})"),
            ExpiredTokenException => ServiceFailure.Unavailable($"the service's own AWS credentials have expired; they are refreshed by their provider, try again ({said})", RetryDelay),
            _ when aws.ErrorCode is "Throttling" or "ThrottlingException" or "RequestLimitExceeded" =>
                ServiceFailure.Unavailable($"STS is throttling the service's requests, still after backing off; try again later ({said})", RetryDelay),
            _ when aws.ErrorCode is "AccessDenied" or "AccessDeniedException" => new ServiceFailure(FailureKind.PermissionDenied,
                $"STS denied assuming {request.RoleArn}: the role's trust policy must allow the service (and match external_id when it requires one) ({said})"),
            _ when aws.ErrorCode is "InvalidClientTokenId" or "SignatureDoesNotMatch" or "MissingAuthenticationToken" or "IncompleteSignature" =>
                new ServiceFailure(FailureKind.FailedPrecondition, $"STS refused the service's own AWS credentials; the operator must fix them ({said})"),
            _ when aws.ErrorCode == "ValidationError" => new ServiceFailure(FailureKind.InvalidArgument, $"STS refused the request ({said})"),
            _ when (int)aws.StatusCode >= 500 => ServiceFailure.Unavailable($"STS failed ({said}); try again", RetryDelay),
            _ => new ServiceFailure(FailureKind.Internal, $"STS answered with an error the service does not know ({said})"),
        };
    }
}
