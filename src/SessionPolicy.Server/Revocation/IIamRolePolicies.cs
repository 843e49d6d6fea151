namespace SessionPolicy.Server.Revocation;

/// <summary>
/// The three IAM calls revocation makes on a role's inline policies. The service calls IAM's Query API itself
/// (<see cref="IamQueryClient"/>); where the SDK's own IAM client is available it can stand behind this interface instead.
/// Failures are <see cref="IamFailure"/>, in the service's words.
/// </summary>
internal interface IIamRolePolicies
{
    /// <summary>The inline policy's document (JSON), or null when the role has no policy of that name.</summary>
    Task<string?> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken);

    /// <summary>Creates or replaces the inline policy.</summary>
    Task PutRolePolicyAsync(string roleName, string policyName, string document, CancellationToken cancellationToken);

    /// <summary>Deletes the inline policy; nothing when there is none.</summary>
    Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken);
}
