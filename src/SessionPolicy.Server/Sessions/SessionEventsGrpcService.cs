using Grpc.Core;
using Microsoft.Extensions.Options;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Signals;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>Session lifecycle, forced logouts and their propagation, and risk signals.</summary>
internal sealed class SessionEventsGrpcService(
    SessionLifecycle lifecycle,
    LogoutStreamer streamer,
    SignalService signals,
    Security.CallerAuthorization authorization,
    Audit.AuditTrail audit,
    IOptions<SignalOptions> signalOptions) : SessionEventsService.SessionEventsServiceBase
{
    /// <summary>Without an actor in the request, the authenticated caller is the actor.</summary>
    public override Task<ForceLogoutResponse> ForceLogout(ForceLogoutRequest request, ServerCallContext context) =>
        SharedStore.Guard("record the logout", () => lifecycle.ForceLogoutAsync(request, CallerName(context), context.CancellationToken));

    /// <summary>A subscriber hears only the audiences its credential allows; asking for another is refused (and audited).</summary>
    public override Task SubscribeLogouts(SubscribeLogoutsRequest request, IServerStreamWriter<SubscribeLogoutsResponse> responseStream, ServerCallContext context)
    {
        if (authorization.Audiences(context) is { } allowed && request.Audiences.FirstOrDefault(a => !allowed.Contains(a)) is { } foreign)
        {
            throw authorization.Denied(context, $"caller may not hear audience '{foreign}': its credential allows {(allowed.Count == 0 ? "none" : string.Join(", ", allowed.Order()))}");
        }
        return streamer.StreamAsync(request, responseStream, authorization.LimitKey(context.GetHttpContext()), context.CancellationToken);
    }

    public override Task<RecordActivityResponse> RecordActivity(RecordActivityRequest request, ServerCallContext context) =>
        SharedStore.Guard("record the activity", () => lifecycle.RecordActivityAsync(request, context.CancellationToken));

    public override Task<RegisterSessionResponse> RegisterSession(RegisterSessionRequest request, ServerCallContext context) =>
        SharedStore.Guard("register the session", () => lifecycle.RegisterAsync(request, context.CancellationToken));

    public override Task<ListSessionsResponse> ListSessions(ListSessionsRequest request, ServerCallContext context) =>
        SharedStore.Guard("list sessions", () => lifecycle.ListAsync(request, context.CancellationToken));

    /// <summary>
    /// Records a risk score for a principal for its time to live: decisions take the higher of the
    /// request's risk score and the signal's, and cached decisions for the principal are dropped on every
    /// replica. Its running sessions are decided again: cut, or ended (RISK_SIGNAL) when the policy no longer
    /// allows them. With disable_principal the principal is revoked (decisions ask it to re-authenticate
    /// unless it authenticated after now) and its sessions end (PRINCIPAL_DISABLED).
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
        return await SharedStore.Guard("record the signal", async () =>
        {
            await signals.ReportAsync(request.PrincipalId, request.RiskScore, ttl, request.DisablePrincipal, context.CancellationToken);
            var actor = request.Source.Length > 0 ? request.Source : CallerName(context) ?? "signal";
            var detail = request.Detail.Length > 0 ? request.Detail : $"risk score {request.RiskScore}";
            audit.Write(new Audit.AuditRecord
            {
                Type = "signal.reported", Time = audit.Now, Actor = actor, PrincipalId = request.PrincipalId,
                Reason = request.DisablePrincipal ? "principal disabled" : $"risk score {request.RiskScore} for {ttl}", Detail = detail,
            });
            var ended = await lifecycle.ApplySignalAsync(request.PrincipalId, request.DisablePrincipal, actor, detail, context.CancellationToken);
            var response = new ReportSignalResponse { EventId = ended.Event?.EventId ?? "" };
            response.EndedSessionIds.Add(ended.Ended.Select(s => s.Id));
            return response;
        });
    }

    private string? CallerName(ServerCallContext context) => authorization.Identify(context.GetHttpContext())?.Name;
}
