using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Requests for functional tests.</summary>
internal static class Sample
{
    public const string ReadOnlyArn = "arn:aws:iam::123456789012:role/ReadOnly";

    /// <summary>A person outside production with every risk fact known and safe (the default policy: workforce-human, 8h).</summary>
    public static DecideRequest Human(string id = "alice", string environment = "development", bool mfa = true, string arn = ReadOnlyArn) => new()
    {
        Principal = new Principal { Id = id, Type = PrincipalType.Human },
        Role = new Role { Arn = arn },
        Context = KnownContext(environment, mfa),
    };

    /// <summary>The context of <see cref="Human"/>: environment and MFA as given, AAL2, a managed device, a private address.</summary>
    public static RequestContext KnownContext(string environment = "development", bool mfa = true) => new()
    {
        Environment = environment, Mfa = mfa, AssuranceLevel = AssuranceLevel.Aal2, DeviceTrust = DeviceTrust.Managed, SourceIp = "10.1.2.3",
    };

    /// <summary>A batch workload outside production (the default policy: batch-automation, 12h).</summary>
    public static DecideRequest Service(string id = "ci-runner", string arn = ReadOnlyArn) => new()
    {
        Principal = new Principal { Id = id, Type = PrincipalType.Service },
        Role = BatchRole(arn),
        Context = new RequestContext { Environment = "development" },
    };

    /// <summary>A role the default policy treats as a batch workload's (its tag).</summary>
    public static Role BatchRole(string arn) => new() { Arn = arn, Tags = { ["session-policy:workload"] = "batch" } };

    public const string OneHourPolicy = """
        version: 1
        defaults: { max_session: 1h, idle_timeout: 15m }
        """;

    public const string TwoHourPolicy = """
        version: 1
        defaults: { max_session: 2h, idle_timeout: 15m }
        """;
}
