namespace SessionPolicy.Server.Revocation;

/// <summary>What revocation logs, source-generated with stable event ids; never a credential, never IAM's own message.</summary>
internal static partial class RevocationLog
{
    [LoggerMessage(73, LogLevel.Information, "Revocation of {Role}: IAM accepted policy {Policy} ({Characters} characters, {Sessions} sessions, {Principals} principals, role-wide {RoleWide}); next removal {NextRemoval}")]
    public static partial void Written(ILogger logger, string role, string policy, int characters, int sessions, int principals, bool roleWide, string nextRemoval);

    [LoggerMessage(74, LogLevel.Warning, "Revocation of {Role}: the policy would exceed {Limit} characters; fell back to denying every session of the role issued before {Before:O}")]
    public static partial void FellBack(ILogger logger, string role, int limit, DateTimeOffset before);

    [LoggerMessage(75, LogLevel.Warning, "Revocation of {Role}: IAM refused or did not answer ({Kind}, {Code}); trying again in {Delay}")]
    public static partial void WriteFailed(ILogger logger, string role, string kind, string code, TimeSpan delay);

    [LoggerMessage(76, LogLevel.Information, "Revocation dry run for {Role}: would write policy {Policy}: {Document}")]
    public static partial void DryRun(ILogger logger, string role, string policy, string document);

    [LoggerMessage(77, LogLevel.Information, "Revocation of {Role}: every denied credential has expired; policy {Policy} deleted")]
    public static partial void Deleted(ILogger logger, string role, string policy);

    [LoggerMessage(78, LogLevel.Warning, "Revocation: the shared store failed ({Cause}); trying again")]
    public static partial void StoreFailed(ILogger logger, string cause);

    [LoggerMessage(79, LogLevel.Error, "Revocation: endings were dropped from the log before they were read ({Detail}); their credentials may still work until they expire")]
    public static partial void MissedEvents(ILogger logger, string detail);

    [LoggerMessage(80, LogLevel.Warning, "Revocation of {Role}: the role does not exist in IAM; nothing to deny")]
    public static partial void NoSuchRole(ILogger logger, string role);
}
