using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using SessionPolicy.V1;

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

    public static RpcException ToRpc(Exception e, IssueSessionRequest request, string region)
    {
        if (e is not AmazonServiceException aws)
        {
            if (IsNetwork(e)) return Unavailable($"STS could not be reached after retries ({e.GetBaseException().GetType().Name}); try again");
            if (e is AmazonClientException)
            {
                return Status(Code.FailedPrecondition, $"the service has no usable AWS credentials or STS settings: {e.Message}");
            }
            return Status(Code.Internal, $"issuing the session failed unexpectedly ({e.GetType().Name})");
        }

        var said = $"STS {aws.ErrorCode}: {aws.Message}";
        return aws switch
        {
            MalformedPolicyDocumentException => BadField(request.InlinePolicy.Length > 0 ? "inline_policy" : "policy_arns", $"was refused by STS as a session policy ({said})"),
            PackedPolicyTooLargeException => BadField(request.InlinePolicy.Length > 0 ? "inline_policy" : "session_tags",
                $"with the session tags and policies exceeds the packed size STS allows; send fewer or shorter ones ({said})"),
            RegionDisabledException => Status(Code.FailedPrecondition,
                $"STS is not activated in region {region} for the service's account; an account administrator can activate it in IAM ({said})"),
            ExpiredTokenException => Unavailable($"the service's own AWS credentials have expired; they are refreshed by their provider, try again ({said})"),
            _ when aws.ErrorCode is "Throttling" or "ThrottlingException" or "RequestLimitExceeded" =>
                Unavailable($"STS is throttling the service's requests, still after backing off; try again later ({said})"),
            _ when aws.ErrorCode is "AccessDenied" or "AccessDeniedException" => Status(Code.PermissionDenied,
                $"STS denied assuming {request.Role?.Arn}: the role's trust policy must allow the service (and match external_id when it requires one) ({said})"),
            _ when aws.ErrorCode is "InvalidClientTokenId" or "SignatureDoesNotMatch" or "MissingAuthenticationToken" or "IncompleteSignature" =>
                Status(Code.FailedPrecondition, $"STS refused the service's own AWS credentials; the operator must fix them ({said})"),
            _ when aws.ErrorCode == "ValidationError" => Status(Code.InvalidArgument, $"STS refused the request ({said})"),
            _ when (int)aws.StatusCode >= 500 => Unavailable($"STS failed ({said}); try again"),
            _ => Status(Code.Internal, $"STS answered with an error the service does not know ({said})"),
        };
    }

    private static RpcException Unavailable(string message)
    {
        var status = new Google.Rpc.Status { Code = (int)Code.Unavailable, Message = message };
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(RetryDelay) }));
        return status.ToRpcException();
    }

    private static RpcException BadField(string field, string description)
    {
        var badRequest = new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = $"{field} {description}" } } };
        var status = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = $"{field} {description}", Details = { Any.Pack(badRequest) } };
        return status.ToRpcException();
    }

    private static RpcException Status(Code code, string message) => new Google.Rpc.Status { Code = (int)code, Message = message }.ToRpcException();
}
