using System.Net;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Core.Tests.Helpers;

/// <summary>Builds requests for evaluator tests.</summary>
internal static class Requests
{
    public const string AdminArn = "arn:aws:iam::123456789012:role/Admin";
    public const string ReadOnlyArn = "arn:aws:iam::123456789012:role/ReadOnly";
    /// <summary>A person's default address: inside the private networks (pass null for "not given").</summary>
    public const string PrivateIp = "10.1.1.1";

    public static SessionRequest Human(string id = "alice", string arn = ReadOnlyArn, string environment = "", bool? mfa = true,
        string[]? groups = null, int? risk = null, bool chaining = false, int roleMax = 0, int requested = 0, string? ip = PrivateIp,
        DeviceTrustLevel device = DeviceTrustLevel.Managed, Assurance assurance = Assurance.Aal2, bool crossAccount = false,
        Dictionary<string, string>? roleTags = null, Dictionary<string, string>? attributes = null) =>
        Build(id, PrincipalKind.Human, arn, environment, mfa, groups, risk, chaining, roleMax, requested, ip, device, assurance, crossAccount, roleTags, attributes);

    public static SessionRequest Service(string id = "ci-runner", string arn = ReadOnlyArn, string environment = "",
        bool chaining = false, int roleMax = 0, int requested = 0, string? ip = null, Dictionary<string, string>? roleTags = null) =>
        Build(id, PrincipalKind.Service, arn, environment, null, null, null, chaining, roleMax, requested, ip, DeviceTrustLevel.Unknown, Assurance.None, false, roleTags, null);

    private static SessionRequest Build(string id, PrincipalKind kind, string arn, string environment, bool? mfa, string[]? groups, int? risk,
        bool chaining, int roleMax, int requested, string? ip, DeviceTrustLevel device, Assurance assurance, bool crossAccount,
        Dictionary<string, string>? roleTags, Dictionary<string, string>? attributes)
    {
        if (!RoleArn.TryParse(arn, out var role, out var error)) throw new ArgumentException(error, nameof(arn));
        return new SessionRequest
        {
            PrincipalId = id,
            PrincipalKind = kind,
            Groups = SessionRequest.NormalizeGroups(groups ?? []),
            Attributes = attributes ?? SessionRequest.NoAttributes,
            Role = role,
            RoleTags = roleTags ?? SessionRequest.NoAttributes,
            RoleMaxSessionSeconds = roleMax,
            Environment = environment,
            SourceIp = ip is null ? null : IPAddress.Parse(ip),
            Mfa = mfa,
            Assurance = assurance,
            DeviceTrust = device,
            CrossAccount = crossAccount,
            RoleChaining = chaining,
            RiskScore = risk,
            RequestedDurationSeconds = requested,
        };
    }
}
