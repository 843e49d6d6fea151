namespace SessionPolicy.Server;

/// <summary>What went wrong, in the service's terms; the gRPC edge maps each kind to one status code.</summary>
internal enum FailureKind
{
    /// <summary>A field of the request is wrong (the STS endpoint refused it, for instance).</summary>
    InvalidArgument,

    /// <summary>What the request names does not exist.</summary>
    NotFound,

    /// <summary>What the request would create exists already.</summary>
    Conflict,

    /// <summary>The service or the request's subject is not in a state that allows it (a setting missing, a decision to re-authenticate).</summary>
    FailedPrecondition,

    /// <summary>The decision or an upstream refused it.</summary>
    PermissionDenied,

    /// <summary>A dependency (the shared store, STS) is down or slow; retrying later can succeed.</summary>
    Unavailable,

    /// <summary>A position the service cannot resume from (a cursor from trimmed or lost history).</summary>
    OutOfRange,

    /// <summary>The caller holds too much of something (streams, buffered events).</summary>
    ResourceExhausted,

    /// <summary>The call was cut off and can be resumed (a subscriber that fell behind).</summary>
    Aborted,

    /// <summary>Something the service does not know how to answer; the log has the details.</summary>
    Internal,
}
