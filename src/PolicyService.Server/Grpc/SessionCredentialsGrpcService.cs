using Grpc.Core;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Grpc;

/// <summary>Issuing STS sessions; not served yet.</summary>
internal sealed class SessionCredentialsGrpcService : SessionCredentialsService.SessionCredentialsServiceBase
{
    public override Task<IssueSessionResponse> IssueSession(IssueSessionRequest request, ServerCallContext context) =>
        throw NotYetImplemented.For("IssueSession", "issuing AWS STS sessions with the decided duration");
}
