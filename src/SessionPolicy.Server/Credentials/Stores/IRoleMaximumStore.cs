namespace SessionPolicy.Server.Credentials.Stores;

/// <summary>
/// Role maximums (MaxSessionDuration) learned from STS refusals, kept for <see cref="StsOptions.RoleMaximumRetention"/>
/// (a role's maximum can be raised later): in this process (embedded), and in Redis for every replica (shared).
/// </summary>
internal interface IRoleMaximumStore
{
    /// <summary>The learned maximum of a role, or null when none is known (or the store cannot say).</summary>
    ValueTask<int?> GetAsync(string roleArn);

    /// <summary>Remembers a role's maximum; a shared store that cannot take it keeps it here and says so in the log.</summary>
    ValueTask RememberAsync(string roleArn, int seconds);
}
