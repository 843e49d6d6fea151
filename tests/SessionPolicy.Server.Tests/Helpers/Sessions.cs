using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Requests for session-lifecycle tests.</summary>
internal static class Sessions
{
    public static RegisterSessionRequest Register(string principal = "alice", string audience = "app-a", string id = "", string role = Sample.ReadOnlyArn)
    {
        var request = new RegisterSessionRequest
        {
            Principal = new Principal { Id = principal, Type = PrincipalType.Human },
            Role = new Role { Arn = role },
            Context = Sample.KnownContext(),
            ExternalSessionId = id,
        };
        request.Audiences.Add(audience);
        return request;
    }

    public static RecordActivityRequest Activity(string id, ActivityKind kind = ActivityKind.User) => new() { SessionId = id, Kind = kind };

    public static SessionEventsService.SessionEventsServiceClient Client(PolicyServiceFactory factory) => new(factory.Channel);
}
