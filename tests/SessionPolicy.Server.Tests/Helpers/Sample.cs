using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Requests for functional tests.</summary>
internal static class Sample
{
    public const string ReadOnlyArn = "arn:aws:iam::123456789012:role/ReadOnly";

    public static DecideRequest Human(string id = "alice", string environment = "", bool mfa = true, string arn = ReadOnlyArn) => new()
    {
        Principal = new Principal { Id = id, Type = PrincipalType.Human },
        Role = new Role { Arn = arn },
        Context = new RequestContext { Environment = environment, Mfa = mfa },
    };

    public static DecideRequest Service(string id = "ci-runner", string arn = ReadOnlyArn) => new()
    {
        Principal = new Principal { Id = id, Type = PrincipalType.Service },
        Role = new Role { Arn = arn },
    };

    public const string OneHourPolicy = """
        version: 1
        defaults: { max_session: 1h, idle_timeout: 15m }
        """;

    public const string TwoHourPolicy = """
        version: 1
        defaults: { max_session: 2h, idle_timeout: 15m }
        """;
}
