namespace SessionPolicy.Server.Revocation;

/// <summary>What went wrong with an IAM call, in the service's words: IAM's own message is never passed on.</summary>
internal enum IamFailureKind
{
    /// <summary>No answer, a 5xx, or throttling after the retries: try again later.</summary>
    Unavailable,

    /// <summary>The role's inline policies would exceed IAM's size limit.</summary>
    PolicyFull,

    /// <summary>The role does not exist.</summary>
    NoSuchRole,

    /// <summary>The service's credentials may not make the call.</summary>
    AccessDenied,

    /// <summary>IAM refused the request or the document as malformed.</summary>
    Refused,
}

/// <summary>An IAM call that failed: its kind, IAM's error code and request id (for AWS support), never IAM's message.</summary>
internal sealed class IamFailure(IamFailureKind kind, string code, string requestId, string action)
    : Exception($"IAM {action} failed: {code}{(requestId.Length > 0 ? $" (request {requestId})" : "")}")
{
    public IamFailureKind Kind { get; } = kind;
    public string Code { get; } = code;
    public string RequestId { get; } = requestId;

    /// <summary>The kind of an IAM error code, as IAM documents them.</summary>
    public static IamFailureKind KindOf(string code, int status) => code switch
    {
        "LimitExceeded" => IamFailureKind.PolicyFull,
        "NoSuchEntity" => IamFailureKind.NoSuchRole,
        "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation" => IamFailureKind.AccessDenied,
        "Throttling" or "ThrottlingException" or "RequestLimitExceeded" or "ServiceFailure" or "ServiceUnavailable" => IamFailureKind.Unavailable,
        _ when status >= 500 => IamFailureKind.Unavailable,
        _ => IamFailureKind.Refused,
    };
}
