namespace SessionPolicy.Server;

/// <summary>
/// A failure below the gRPC edge, typed by <see cref="Kind"/>: features throw it, and
/// <c>Grpc.StatusMapping</c> turns it into a status at the edge, in one place. The message is written for
/// the caller: it never carries a secret or an upstream's words verbatim.
/// </summary>
internal class ServiceFailure(FailureKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public FailureKind Kind { get; } = kind;

    /// <summary>The <c>google.rpc.ErrorInfo</c> reason, when a caller is expected to act on it.</summary>
    public string? Reason { get; init; }

    /// <summary>The <c>google.rpc.ErrorInfo</c> metadata that goes with <see cref="Reason"/>.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The request field at fault, for <see cref="FailureKind.InvalidArgument"/>.</summary>
    public string? Field { get; init; }

    /// <summary>When a retry may succeed, for <see cref="FailureKind.Unavailable"/>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ServiceFailure NotFound(string message) => new(FailureKind.NotFound, message);

    public static ServiceFailure Conflict(string message) => new(FailureKind.Conflict, message);

    public static ServiceFailure Precondition(string message) => new(FailureKind.FailedPrecondition, message);

    public static ServiceFailure Denied(string message) => new(FailureKind.PermissionDenied, message);

    public static ServiceFailure Exhausted(string message) => new(FailureKind.ResourceExhausted, message);

    public static ServiceFailure Internal(string message) => new(FailureKind.Internal, message);

    public static ServiceFailure Unavailable(string message, TimeSpan? retryAfter = null, Exception? inner = null) =>
        new(FailureKind.Unavailable, message, inner) { RetryAfter = retryAfter };

    /// <summary>A request field refused further down (by an upstream); the message starts with the field.</summary>
    public static ServiceFailure InvalidField(string field, string description) =>
        new(FailureKind.InvalidArgument, $"{field} {description}") { Field = field };
}
