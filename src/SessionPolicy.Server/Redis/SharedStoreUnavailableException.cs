namespace SessionPolicy.Server.Redis;

/// <summary>The shared store did not answer (down, slow past its budget, or refusing): nothing was changed.</summary>
internal sealed class SharedStoreUnavailableException(string operation, Exception inner)
    : ServiceFailure(FailureKind.Unavailable, $"the shared store (Redis) is unavailable: could not {operation}; nothing was changed, retry", inner)
{
    /// <summary>What the service was doing, for logs and for callers that add to the message.</summary>
    public string Operation { get; } = operation;

    /// <summary>The kind of fault (the client exception's type name), for logs: never its message, which can quote data.</summary>
    public string Cause => InnerException?.GetType().Name ?? "unknown";
}
