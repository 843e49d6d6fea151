using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Signals;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// The edge of <c>SessionEventsService</c>: each call is read and checked (<see cref="SessionEventsReader"/>,
/// <see cref="SignalReader"/>), handed to its feature as a domain request, and the answer written back.
/// </summary>
internal sealed class SessionEventsGrpcService(
    SessionLifecycle lifecycle,
    LogoutStreamer streamer,
    SignalService signals,
    CallerAuthorization authorization,
    RequestClock clock,
    TimeProvider time) : SessionEventsService.SessionEventsServiceBase
{
    /// <summary>Without an actor in the request, the authenticated caller is the actor.</summary>
    public override async Task<ForceLogoutResponse> ForceLogout(ForceLogoutRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        var order = SessionEventsReader.Read(request, errors).OrThrow(errors);
        var result = await lifecycle.ForceLogoutAsync(order, CallerName(context), context.CancellationToken);
        var response = new ForceLogoutResponse { EventId = result.Event?.EventId ?? "" };
        response.SessionIds.Add(result.Ended.Select(s => s.Id));
        return response;
    }

    /// <summary>A subscriber hears only the audiences its credential allows; asking for another is refused (and audited).</summary>
    public override Task SubscribeLogouts(SubscribeLogoutsRequest request, IServerStreamWriter<SubscribeLogoutsResponse> responseStream, ServerCallContext context)
    {
        var errors = new FieldViolations();
        var subscription = SessionEventsReader.Read(request, errors).OrThrow(errors);
        if (authorization.Audiences(context) is { } allowed && subscription.Audiences.FirstOrDefault(a => !allowed.Contains(a)) is { } foreign)
        {
            throw authorization.Denied(context, $"caller may not hear audience '{foreign}': its credential allows {(allowed.Count == 0 ? "none" : string.Join(", ", allowed.Order()))}");
        }
        return streamer.StreamAsync(subscription, responseStream, authorization.LimitKey(context.GetHttpContext()), context.CancellationToken);
    }

    public override async Task<RecordActivityResponse> RecordActivity(RecordActivityRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        var activity = SessionEventsReader.Read(request, errors).OrThrow(errors);
        var (session, now) = await lifecycle.RecordActivityAsync(activity, context.CancellationToken);
        return new RecordActivityResponse
        {
            State = session.State,
            IdleRemainingSeconds = session.IdleRemainingSeconds(now),
            AbsoluteRemainingSeconds = session.AbsoluteRemainingSeconds(now),
            EndedReason = session.IsActive ? LogoutReason.Unspecified : session.EndedReason,
        };
    }

    public override async Task<RegisterSessionResponse> RegisterSession(RegisterSessionRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        var registration = SessionEventsReader.Read(request, clock.Bounds(), errors).OrThrow(errors);
        var (session, decision) = await lifecycle.RegisterAsync(registration, context.CancellationToken);
        return new RegisterSessionResponse { Session = Info(session, time.GetUtcNow()), Decision = decision };
    }

    public override async Task<ListSessionsResponse> ListSessions(ListSessionsRequest request, ServerCallContext context)
    {
        var errors = new FieldViolations();
        var query = SessionEventsReader.Read(request, errors).OrThrow(errors);
        var page = await lifecycle.ListAsync(query, context.CancellationToken);
        var now = time.GetUtcNow();
        var response = new ListSessionsResponse();
        response.Sessions.Add(page.Sessions.Select(s => Info(s, now)));
        if (page.LastIdWhenMore is { } last) response.NextPageToken = PageToken.Write(last);
        return response;
    }

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
        var report = SignalReader.Read(request, signals.DefaultTtl, errors).OrThrow(errors);
        var ended = await signals.ReportAsync(report, CallerName(context), context.CancellationToken);
        var response = new ReportSignalResponse { EventId = ended.Event?.EventId ?? "" };
        response.EndedSessionIds.Add(ended.Ended.Select(s => s.Id));
        return response;
    }

    private string? CallerName(ServerCallContext context) => authorization.Identify(context.GetHttpContext())?.Name;

    private static SessionInfo Info(SessionView view, DateTimeOffset now)
    {
        var session = view.Session;
        var info = new SessionInfo
        {
            SessionId = session.Id,
            PrincipalId = session.PrincipalId,
            RoleArn = session.RoleArn,
            IssuedAt = Timestamp.FromDateTimeOffset(session.IssuedAt),
            ExpiresAt = Timestamp.FromDateTimeOffset(session.ExpiresAt),
            IdleTimeoutSeconds = session.IdleTimeoutSeconds,
            LastActivityAt = Timestamp.FromDateTimeOffset(session.LastActivityAt),
            State = session.State,
            IdleRemainingSeconds = session.IdleRemainingSeconds(now),
            AbsoluteRemainingSeconds = session.AbsoluteRemainingSeconds(now),
            EndedReason = session.EndedReason,
        };
        info.Audiences.Add(session.Audiences);
        if (session.EndedAt is { } ended) info.EndedAt = Timestamp.FromDateTimeOffset(ended);
        if (view.PolicyMaxSessionSeconds is { } max) info.PolicyMaxSessionSeconds = max;
        if (view.Compliant is { } compliant) info.Compliant = compliant;
        return info;
    }
}
