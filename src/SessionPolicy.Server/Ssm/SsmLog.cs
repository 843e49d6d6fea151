namespace SessionPolicy.Server.Ssm;

/// <summary>What the Session Manager room logs, source-generated with stable event ids; never a credential, never SSM's own message.</summary>
internal static partial class SsmLog
{
    [LoggerMessage(81, LogLevel.Information, "Session Manager preferences in {Region} ({Environment}) {How}: idle {Idle} min, maximum {Max} min (policy {Version})")]
    public static partial void Applied(ILogger logger, string region, string environment, string how, int idle, int max, string version);

    [LoggerMessage(82, LogLevel.Warning, "Session Manager preferences in {Region} were changed outside the service: idle {Idle} min, maximum {Max} min against the policy's {PolicyIdle} and {PolicyMax}; {Action}")]
    public static partial void Drift(ILogger logger, string region, string idle, string max, int policyIdle, int policyMax, string action);

    [LoggerMessage(83, LogLevel.Warning, "Session Manager in {Region}: SSM refused or did not answer ({Code}); trying again at the next check")]
    public static partial void Failed(ILogger logger, string region, string code);

    [LoggerMessage(85, LogLevel.Information, "Session Manager session {Session} in {Region} of {Principal} terminated ({Reason})")]
    public static partial void Terminated(ILogger logger, string session, string region, string principal, string reason);

    [LoggerMessage(84, LogLevel.Warning, "Session Manager: the shared store failed ({Cause}); trying again")]
    public static partial void StoreFailed(ILogger logger, string cause);
}
