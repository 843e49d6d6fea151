using Grpc.Core;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Grpc;

/// <summary>Session lifecycle and logout propagation; not served yet.</summary>
internal sealed class SessionEventsGrpcService : SessionEventsService.SessionEventsServiceBase
{
    private const string Lifecycle = "the session registry and forced-logout propagation";

    public override Task<ForceLogoutResponse> ForceLogout(ForceLogoutRequest request, ServerCallContext context) =>
        throw NotYetImplemented.For("ForceLogout", Lifecycle);

    public override Task SubscribeLogouts(SubscribeLogoutsRequest request, IServerStreamWriter<SubscribeLogoutsResponse> responseStream, ServerCallContext context) =>
        throw NotYetImplemented.For("SubscribeLogouts", Lifecycle);

    public override Task<RecordActivityResponse> RecordActivity(RecordActivityRequest request, ServerCallContext context) =>
        throw NotYetImplemented.For("RecordActivity", Lifecycle);

    public override Task<RegisterSessionResponse> RegisterSession(RegisterSessionRequest request, ServerCallContext context) =>
        throw NotYetImplemented.For("RegisterSession", Lifecycle);

    public override Task<ListSessionsResponse> ListSessions(ListSessionsRequest request, ServerCallContext context) =>
        throw NotYetImplemented.For("ListSessions", Lifecycle);

    public override Task<ReportSignalResponse> ReportSignal(ReportSignalRequest request, ServerCallContext context) =>
        throw NotYetImplemented.For("ReportSignal", "risk signals");
}
