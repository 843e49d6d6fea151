namespace SessionPolicy.Server.Internal;

/// <summary>Source-generated log messages with stable event ids. No secret is ever an argument.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Policy loaded from {Source}: version {Version}, {Profiles} profiles, {Guardrails} guardrails")]
    public static partial void PolicyLoaded(ILogger logger, string source, string version, int profiles, int guardrails);

    [LoggerMessage(2, LogLevel.Warning, "Policy {Source}:{Line}:{Column}: warning: {Path}: {Message}")]
    public static partial void PolicyWarning(ILogger logger, string source, int line, int column, string path, string message);

    [LoggerMessage(3, LogLevel.Error, "Policy {Source}:{Line}:{Column}: error: {Path}: {Message}")]
    public static partial void PolicyError(ILogger logger, string source, int line, int column, string path, string message);

    [LoggerMessage(4, LogLevel.Error, "Policy {Source} (version {Version}) refused with {ErrorCount} errors; still serving version {ServingVersion}")]
    public static partial void PolicyRejected(ILogger logger, string source, string version, int errorCount, string servingVersion);

    [LoggerMessage(5, LogLevel.Warning, "Policy file {Path} could not be read: {Reason}; still serving the current policy")]
    public static partial void PolicyUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(6, LogLevel.Error, "Unhandled error in {Method}")]
    public static partial void UnhandledError(ILogger logger, string method, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Shared store unavailable for {Operation} ({Reason}); deciding locally")]
    public static partial void SharedStoreFailed(ILogger logger, string operation, string reason);
}
