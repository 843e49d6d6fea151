using Grpc.Core;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Configuration;
using SessionPolicy.Server.Principals;
using SessionPolicy.V1;
using SessionPolicy.V1.Mapping;

namespace SessionPolicy.Server.Grpc;

/// <summary>Session lifecycle and logout propagation (not served yet) and risk signals.</summary>
internal sealed class SessionEventsGrpcService(SignalService signals, IOptions<SignalOptions> signalOptions) : SessionEventsService.SessionEventsServiceBase
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

    /// <summary>
    /// Records a risk score for a principal for its time to live: decisions take the higher of the
    /// request's risk score and the signal's, and cached decisions for the principal are dropped on every
    /// replica. With disable_principal, the principal is also revoked: decisions ask it to re-authenticate
    /// unless it authenticated after now. Ending its registered sessions is part of the session
    /// lifecycle, not served yet.
    /// </summary>
    public override async Task<ReportSignalResponse> ReportSignal(ReportSignalRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        if (request.PrincipalId.Length is 0 or > SessionRequestReader.MaxIdLength) errors.Add("principal_id", $"must be 1..{SessionRequestReader.MaxIdLength} characters");
        if (request.RiskScore is < 0 or > 100) errors.Add("risk_score", "must be between 0 and 100");
        if (request.TtlSeconds < 0 || request.TtlSeconds > SignalOptions.MaxTtl.TotalSeconds) errors.Add("ttl_seconds", $"must be between 0 (the default, {signalOptions.Value.DefaultTtl}) and {SignalOptions.MaxTtl.TotalSeconds:F0}");
        if (request.Source.Length > 128) errors.Add("source", "is longer than 128 characters");
        if (request.Detail.Length > 1024) errors.Add("detail", "is longer than 1024 characters");
        errors.ThrowIfAny();

        var ttl = request.TtlSeconds == 0 ? signalOptions.Value.DefaultTtl : TimeSpan.FromSeconds(request.TtlSeconds);
        try
        {
            await signals.ReportAsync(request.PrincipalId, request.RiskScore, ttl, request.DisablePrincipal, context.CancellationToken);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the shared store (Redis) did not record the signal; nothing was changed, retry"));
        }
        return new ReportSignalResponse();
    }
}
