using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// The life of a session: registered with decided limits, kept alive by user activity, ended at its idle
/// or absolute deadline, when a new policy or a risk signal no longer allows it, or by force. Every
/// ending goes through the store, which records its logout event in the same step.
/// </summary>
internal sealed class SessionLifecycle(ISessionStore store, DecisionService decisions, SessionMetrics metrics, Audit.AuditTrail audit, TimeProvider time,
    ILogger<SessionLifecycle> logger)
{
    private const int SweepBatch = 1000;

    public ISessionStore Store => store;

    /// <summary>Registers a session minted elsewhere, with the limits decided for it now.</summary>
    public async Task<RegisterSessionResponse> RegisterAsync(RegisterSessionRequest request, CancellationToken cancellationToken)
    {
        var errors = new FieldViolations();
        var session = SessionRequestReader.Read(request.Principal, request.Role, request.Context, errors);
        SessionFieldsReader.Audiences(errors, "audiences", request.Audiences, required: true);
        SessionFieldsReader.SessionId(errors, "external_session_id", request.ExternalSessionId, required: false);
        errors.ThrowIfAny();

        var asked = new DecideRequest { Principal = request.Principal, Role = request.Role, Context = request.Context ?? new RequestContext() }.ToByteArray();
        var decision = await decisions.DecideAsync(session!, explain: false, asked, cancellationToken);
        DecisionOutcomes.ThrowUnlessAllowed(decision, "session registered", audit, request.Principal, request.Role.Arn);
        var now = time.GetUtcNow();
        var record = SessionRecord.Started(
            request.ExternalSessionId.Length > 0 ? request.ExternalSessionId : Guid.CreateVersion7(now).ToString("N"),
            session!.PrincipalId, session.Role.Value, [.. request.Audiences.Distinct(StringComparer.Ordinal)], "registered", decision, asked, now);
        if (!await store.AddAsync(record, cancellationToken))
        {
            throw new global::Grpc.Core.RpcException(new global::Grpc.Core.Status(global::Grpc.Core.StatusCode.AlreadyExists, $"session {record.Id} is already registered"));
        }
        Log.SessionRegistered(logger, record.Id, record.PrincipalId, record.RoleArn, decision.MaxSessionSeconds, decision.IdleTimeoutSeconds);
        audit.Write(audit.Decided("session.registered", "", request.Principal, record.RoleArn, decision) with { SessionIds = [record.Id] });
        return new RegisterSessionResponse { Session = await InfoAsync(record, now, cancellationToken), Decision = decision };
    }

    /// <summary>Registers a session issued through STS.</summary>
    public async Task RegisterIssuedAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        if (!await store.AddAsync(session, cancellationToken)) throw new InvalidOperationException($"session id {session.Id} was issued twice");
    }

    /// <summary>A heartbeat: user activity extends the idle deadline, background activity does not; a session past its deadline ends now.</summary>
    public async Task<RecordActivityResponse> RecordActivityAsync(RecordActivityRequest request, CancellationToken cancellationToken)
    {
        var errors = new FieldViolations();
        SessionFieldsReader.SessionId(errors, "session_id", request.SessionId, required: true);
        if (request.Kind is not (ActivityKind.User or ActivityKind.Background))
        {
            errors.Add("kind", "must be ACTIVITY_KIND_USER or ACTIVITY_KIND_BACKGROUND");
        }
        errors.ThrowIfAny();

        var now = time.GetUtcNow();
        var session = await store.GetAsync(request.SessionId, cancellationToken) ?? throw NotFound(request.SessionId);
        if (session.IsDueAt(now))
        {
            var ended = await EndAsync(new EndRequest
            {
                SessionIds = [session.Id], Reason = session.ExpiryReason, Actor = "system", At = now, OnlyIfDue = true,
            }, cancellationToken);
            session = ended.Ended.Count > 0 ? ended.Ended[0] : await store.GetAsync(request.SessionId, cancellationToken) ?? session;
        }
        else if (request.Kind == ActivityKind.User && session.IsActive)
        {
            session = await store.TouchAsync(session.Id, now, cancellationToken) ?? session;
        }
        return new RecordActivityResponse
        {
            State = session.State,
            IdleRemainingSeconds = IdleRemaining(session, now),
            AbsoluteRemainingSeconds = AbsoluteRemaining(session, now),
            EndedReason = session.IsActive ? LogoutReason.Unspecified : session.EndedReason,
        };
    }

    /// <summary>Ends one session, every session of a principal, or every session of a role; idempotent.</summary>
    public async Task<ForceLogoutResponse> ForceLogoutAsync(ForceLogoutRequest request, string? caller, CancellationToken cancellationToken)
    {
        var errors = new FieldViolations();
        switch (request.TargetCase)
        {
            case ForceLogoutRequest.TargetOneofCase.None: errors.Add("target", "must name a session_id, a principal_id or a role_arn"); break;
            case ForceLogoutRequest.TargetOneofCase.SessionId: SessionFieldsReader.SessionId(errors, "session_id", request.SessionId, required: true); break;
            case ForceLogoutRequest.TargetOneofCase.PrincipalId:
                if (request.PrincipalId.Length is 0 or > SessionRequestReader.MaxIdLength) errors.Add("principal_id", $"must be 1..{SessionRequestReader.MaxIdLength} characters");
                break;
            case ForceLogoutRequest.TargetOneofCase.RoleArn:
                if (!global::SessionPolicy.Core.Evaluation.RoleArn.TryParse(request.RoleArn, out _, out var arnError)) errors.Add("role_arn", arnError);
                break;
        }
        if (!System.Enum.IsDefined(request.Reason)) errors.Add("reason", $"has unknown value {(int)request.Reason}");
        SessionFieldsReader.Text(errors, "actor", request.Actor, 128);
        SessionFieldsReader.Text(errors, "detail", request.Detail, 1024);
        errors.ThrowIfAny();

        if (request.TargetCase == ForceLogoutRequest.TargetOneofCase.SessionId && await store.GetAsync(request.SessionId, cancellationToken) is null)
        {
            throw NotFound(request.SessionId);
        }
        var result = await EndAsync(new EndRequest
        {
            SessionIds = request.TargetCase == ForceLogoutRequest.TargetOneofCase.SessionId ? [request.SessionId] : null,
            PrincipalId = request.TargetCase == ForceLogoutRequest.TargetOneofCase.PrincipalId ? request.PrincipalId : null,
            RoleArn = request.TargetCase == ForceLogoutRequest.TargetOneofCase.RoleArn ? request.RoleArn : null,
            Reason = request.Reason == LogoutReason.Unspecified ? LogoutReason.Admin : request.Reason,
            Actor = request.Actor.Length > 0 ? request.Actor : caller ?? "admin",
            Detail = request.Detail,
            At = time.GetUtcNow(),
        }, cancellationToken);
        if (result.Event is { } e) Log.SessionsEnded(logger, result.Ended.Count, e.Reason.ToString(), e.Actor, e.EventId);
        var response = new ForceLogoutResponse { EventId = result.Event?.EventId ?? "" };
        response.SessionIds.Add(result.Ended.Select(s => s.Id));
        return response;
    }

    /// <summary>One page of sessions with their limits, remaining time and whether they fit the current policy.</summary>
    public async Task<ListSessionsResponse> ListAsync(ListSessionsRequest request, CancellationToken cancellationToken)
    {
        var errors = new FieldViolations();
        if (request.PageSize is < 0 or > 1000) errors.Add("page_size", "must be 1..1000 (0 for 100)");
        if (!System.Enum.IsDefined(request.State)) errors.Add("state", $"has unknown value {(int)request.State}");
        SessionFieldsReader.Text(errors, "principal_id", request.PrincipalId, SessionRequestReader.MaxIdLength);
        if (request.RoleArn.Length > 0 && !global::SessionPolicy.Core.Evaluation.RoleArn.TryParse(request.RoleArn, out _, out var arnError)) errors.Add("role_arn", arnError);
        var after = "";
        if (request.PageToken.Length > 0 && !PageToken.TryRead(request.PageToken, out after)) errors.Add("page_token", "is not a token from a previous page");
        errors.ThrowIfAny();

        var size = request.PageSize == 0 ? 100 : request.PageSize;
        var page = await store.ListAsync(new SessionFilter(request.PrincipalId, request.RoleArn, request.State), after, size + 1, cancellationToken);
        var now = time.GetUtcNow();
        var response = new ListSessionsResponse();
        foreach (var session in page.Take(size)) response.Sessions.Add(await InfoAsync(session, now, cancellationToken));
        if (page.Count > size) response.NextPageToken = PageToken.Write(page[size - 1].Id);
        return response;
    }

    /// <summary>
    /// Applies a principal's new state (a risk signal, or it being disabled) to its running sessions:
    /// disabled ends them all; otherwise each is decided again and cut, or ended when the decision no
    /// longer allows it or its new limits have passed. One event names every session ended.
    /// </summary>
    public async Task<EndResult> ApplySignalAsync(string principalId, bool disabled, string actor, string detail, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (disabled)
        {
            return await EndAsync(new EndRequest { PrincipalId = principalId, Reason = LogoutReason.PrincipalDisabled, Actor = actor, Detail = detail, At = now }, cancellationToken);
        }
        var ids = await store.ActiveIdsAsync(principalId, cancellationToken);
        var (ending, _) = await ReviseAsync(ids, now, cancellationToken);
        if (ending.Count == 0) return EndResult.Nothing;
        return await EndAsync(new EndRequest { SessionIds = [.. ending.Select(s => s.Id)], Reason = LogoutReason.RiskSignal, Actor = actor, Detail = detail, At = now }, cancellationToken);
    }

    /// <summary>
    /// Applies a new policy to every running session: each is decided again and cut to the new limits;
    /// those it no longer allows, or already beyond them, end (POLICY_CHANGED), one event per principal.
    /// </summary>
    public async Task<int> ApplyPolicyAsync(string version, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ids = await store.ActiveIdsAsync(null, cancellationToken);
        var (ending, cut) = await ReviseAsync(ids, now, cancellationToken);
        metrics.ExceedingPolicy(ending.Count + cut);
        var ended = 0;
        foreach (var group in ending.GroupBy(s => s.PrincipalId, StringComparer.Ordinal))
        {
            var result = await EndAsync(new EndRequest
            {
                SessionIds = [.. group.Select(s => s.Id)], Reason = LogoutReason.PolicyChanged, Actor = "policy",
                Detail = $"policy {version} no longer allows it", At = now,
            }, cancellationToken);
            ended += result.Ended.Count;
        }
        Log.PolicyApplied(logger, version, ids.Count, ended);
        return ended;
    }

    /// <summary>Ends every session whose deadline has passed, each with its own event; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var ended = 0;
        while (true)
        {
            var now = time.GetUtcNow();
            var due = await store.DueAsync(now, SweepBatch, cancellationToken);
            foreach (var id in due)
            {
                var result = await EndAsync(new EndRequest
                {
                    SessionIds = [id], Reason = LogoutReason.MaxDuration, Actor = "system", At = now, OnlyIfDue = true,
                }, cancellationToken);
                foreach (var s in result.Ended) metrics.Expired(s, now);
                ended += result.Ended.Count;
            }
            if (due.Count < SweepBatch)
            {
                metrics.Active(await store.ActiveCountAsync(cancellationToken));
                return ended;
            }
        }
    }

    /// <summary>Ends through the store and counts the ending.</summary>
    private async ValueTask<EndResult> EndAsync(EndRequest request, CancellationToken cancellationToken)
    {
        var result = await store.EndAsync(request, cancellationToken);
        metrics.Ended(result);
        audit.Ended(result);
        return result;
    }

    /// <summary>Decides each session again; cuts the ones it still allows and returns the ones to end, and how many were cut.</summary>
    private async Task<(List<SessionRecord> Ending, int Cut)> ReviseAsync(IReadOnlyList<string> ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ending = new List<SessionRecord>();
        var cut = 0;
        foreach (var id in ids)
        {
            if (await store.GetAsync(id, cancellationToken) is not { IsActive: true } session) continue;
            var (decision, revised) = await RedecideAsync(session, cancellationToken);
            if (decision is null) continue;
            if (decision.Outcome != Outcome.Allow || revised.IsDueAt(now)) ending.Add(session);
            else if (revised.ExpiresAt != session.ExpiresAt || revised.IdleTimeoutSeconds != session.IdleTimeoutSeconds)
            {
                await store.ReviseAsync(id, revised.ExpiresAt, revised.IdleTimeoutSeconds, cancellationToken);
                cut++;
            }
        }
        return (ending, cut);
    }

    /// <summary>The session's decision now and its limits cut to it (never extended).</summary>
    private async Task<(Decision?, SessionRecord)> RedecideAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        var request = DecideRequest.Parser.ParseFrom(session.Request);
        var read = SessionRequestReader.Read(request.Principal, request.Role, request.Context, new FieldViolations());
        if (read is null) return (null, session);
        var decision = await decisions.DecideAsync(read, explain: false, session.Request, cancellationToken, record: false);
        var expires = session.IssuedAt.AddSeconds(decision.MaxSessionSeconds);
        var idle = decision.IdleTimeoutSeconds == 0 ? session.IdleTimeoutSeconds
            : session.IdleTimeoutSeconds == 0 ? decision.IdleTimeoutSeconds
            : Math.Min(session.IdleTimeoutSeconds, decision.IdleTimeoutSeconds);
        return (decision, session with { ExpiresAt = expires < session.ExpiresAt ? expires : session.ExpiresAt, IdleTimeoutSeconds = idle });
    }

    private async Task<SessionInfo> InfoAsync(SessionRecord session, DateTimeOffset now, CancellationToken cancellationToken)
    {
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
            IdleRemainingSeconds = IdleRemaining(session, now),
            AbsoluteRemainingSeconds = AbsoluteRemaining(session, now),
            EndedReason = session.EndedReason,
        };
        info.Audiences.Add(session.Audiences);
        if (session.EndedAt is { } ended) info.EndedAt = Timestamp.FromDateTimeOffset(ended);
        var (decision, revised) = await RedecideAsync(session, cancellationToken);
        if (decision is not null)
        {
            info.PolicyMaxSessionSeconds = decision.MaxSessionSeconds;
            info.Compliant = decision.Outcome == Outcome.Allow
                && revised.ExpiresAt == session.ExpiresAt && revised.IdleTimeoutSeconds == session.IdleTimeoutSeconds;
        }
        return info;
    }

    private static int IdleRemaining(SessionRecord s, DateTimeOffset now) =>
        !s.IsActive || s.IdleTimeoutSeconds == 0 ? 0 : Seconds(s.LastActivityAt.AddSeconds(s.IdleTimeoutSeconds) - now);

    private static int AbsoluteRemaining(SessionRecord s, DateTimeOffset now) => s.IsActive ? Seconds(s.ExpiresAt - now) : 0;

    private static int Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (int)Math.Ceiling(span.TotalSeconds);

    private static global::Grpc.Core.RpcException NotFound(string id) =>
        new(new global::Grpc.Core.Status(global::Grpc.Core.StatusCode.NotFound, $"session {id} is not registered (or ended longer ago than SessionPolicy:Sessions:EndedRetention)"));
}
