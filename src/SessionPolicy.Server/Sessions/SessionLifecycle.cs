using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Audit;
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
internal sealed class SessionLifecycle(ISessionStore store, DecisionService decisions, SessionMetrics metrics, AuditTrail audit, TimeProvider time,
    RequestClock clock, ILogger<SessionLifecycle> logger)
{
    private const int SweepBatch = 1000;

    /// <summary>Registers a session minted elsewhere, with the limits decided for it now; a decision that does not allow it registers nothing.</summary>
    public async Task<(SessionView Session, Decision Decision)> RegisterAsync(Registration registration, CancellationToken cancellationToken)
    {
        var request = registration.Session;
        var decision = await decisions.DecideAsync(request, explain: false, registration.DecideRequest, cancellationToken);
        DecisionRefusedException.ThrowUnlessAllowed(decision, "session registered", audit, request);
        var now = time.GetUtcNow();
        var started = registration.StartedAt is { } at && at < now ? at : now;
        var record = SessionRecord.Started(
            registration.ExternalSessionId.Length > 0 ? registration.ExternalSessionId : Guid.CreateVersion7(now).ToString("N"),
            request.PrincipalId, request.Role.Value, registration.Audiences,
            registration.Origin ?? (registration.ExternalSessionId.Length > 0 ? SessionRecord.ExternalOrigin : "registered"), decision, registration.DecideRequest, started);
        if (record.Origin == SessionRecord.SsmOrigin) record = record with { IdleTimeoutSeconds = 0 };
        if (!await store.AddAsync(record, cancellationToken)) throw ServiceFailure.Conflict($"session {record.Id} is already registered");
        Log.SessionRegistered(logger, record.Id, record.PrincipalId, record.RoleArn, decision.MaxSessionSeconds, decision.IdleTimeoutSeconds);
        metrics.Started(record);
        audit.Write(audit.Decided("session.registered", request, decision) with { SessionIds = [record.Id] });
        return (await ViewAsync(record, cancellationToken), decision);
    }

    /// <summary>Throws UNAVAILABLE when a session could not be registered now; asked before credentials are minted.</summary>
    public ValueTask CheckCanRegisterAsync(CancellationToken cancellationToken) => store.CheckWritableAsync(cancellationToken);

    /// <summary>Registers a session issued through STS.</summary>
    public async Task RegisterIssuedAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        if (!await store.AddAsync(session, cancellationToken)) throw ServiceFailure.Internal($"session id {session.Id} was issued twice");
        metrics.Started(session);
    }

    /// <summary>A heartbeat: user activity extends the idle deadline, background activity does not; a session past its deadline ends now.</summary>
    public async Task<(SessionRecord Session, DateTimeOffset At)> RecordActivityAsync(ActivityReport activity, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var session = await store.GetAsync(activity.SessionId, cancellationToken) ?? throw NotFound(activity.SessionId);
        if (session.IsDueAt(now))
        {
            var ended = await EndAsync(new EndRequest
            {
                SessionIds = [session.Id], Reason = session.ExpiryReason, Actor = "system", At = now, OnlyIfDue = true,
            }, cancellationToken);
            session = ended.Ended.Count > 0 ? ended.Ended[0] : await store.GetAsync(activity.SessionId, cancellationToken) ?? session;
        }
        else if (activity.User && session.IsActive)
        {
            session = await store.TouchAsync(session.Id, now, cancellationToken) ?? session;
        }
        return (session, now);
    }

    /// <summary>Ends one session, every session of a principal, or every session of a role; idempotent. Without an actor, the caller acts.</summary>
    public async Task<EndResult> ForceLogoutAsync(LogoutOrder order, string? caller, CancellationToken cancellationToken)
    {
        var result = await EndAsync(new EndRequest
        {
            SessionIds = order.SessionId is { } one ? [one] : null,
            PrincipalId = order.PrincipalId,
            RoleArn = order.RoleArn,
            Reason = order.Reason,
            Actor = order.Actor.Length > 0 ? order.Actor : caller ?? "admin",
            Detail = order.Detail,
            At = time.GetUtcNow(),
        }, cancellationToken);
        // Nothing ended: an unknown session is an error, one that had ended already is not (idempotent).
        if (result.Event is null && order.SessionId is { } id && await store.GetAsync(id, cancellationToken) is null) throw NotFound(id);
        if (result.Event is { } e) Log.SessionsEnded(logger, result.Ended.Count, e.Reason.ToString(), e.Actor, e.EventId);
        // Also when nothing ended: a retry after an unconfirmed logout confirms the first one's writes.
        await ConfirmEndingsAsync(new EndTarget(order.SessionId is { } named ? [named] : null, order.PrincipalId, order.RoleArn), cancellationToken);
        return result;
    }

    /// <summary>Returns once the store's replicas hold every ending so far of <paramref name="target"/>, where it is configured to wait; else UNAVAILABLE.</summary>
    public ValueTask ConfirmEndingsAsync(EndTarget target, CancellationToken cancellationToken) => store.ConfirmEndingsAsync(target, cancellationToken);

    /// <summary>One page of sessions with their limits and whether they fit the current policy.</summary>
    public async Task<SessionPage> ListAsync(SessionQuery query, CancellationToken cancellationToken)
    {
        var page = await store.ListAsync(query.Filter, query.AfterId, query.PageSize + 1, cancellationToken);
        var views = new List<SessionView>(Math.Min(page.Count, query.PageSize));
        foreach (var session in page.Take(query.PageSize)) views.Add(await ViewAsync(session, cancellationToken));
        return new SessionPage(views, page.Count > query.PageSize ? page[query.PageSize - 1].Id : null);
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
        var (ending, _) = await ReviseAsync(ids, now, actor, detail.Length > 0 ? detail : "a risk signal shortens it", cancellationToken);
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
        var (ending, cut) = await ReviseAsync(ids, now, "policy", $"policy {version} shortens it", cancellationToken);
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

    /// <summary>
    /// Ends every session whose deadline has passed, each with its own event, and logs the endings a fault left
    /// without theirs; returns how many sessions it ended.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var ended = 0;
        foreach (var finished in await store.FinishEndingsAsync(time.GetUtcNow(), cancellationToken))
        {
            metrics.Ended(finished);
            audit.Ended(finished);
            if (finished.Event is { } e) Log.PendingEndingLogged(logger, finished.Ended.Count, e.Reason.ToString(), e.Actor, e.OccurredAt, e.EventId);
        }
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

    /// <summary>Ends the sessions named (all of them, or only those past their deadline), with one event.</summary>
    public ValueTask<EndResult> EndSessionsAsync(IReadOnlyList<string> ids, LogoutReason reason, string actor, string detail, bool onlyIfDue, CancellationToken cancellationToken) =>
        EndAsync(new EndRequest { SessionIds = ids, Reason = reason, Actor = actor, Detail = detail, At = time.GetUtcNow(), OnlyIfDue = onlyIfDue }, cancellationToken);

    /// <summary>The ids of the running sessions.</summary>
    public ValueTask<IReadOnlyList<string>> ActiveIdsAsync(CancellationToken cancellationToken) => store.ActiveIdsAsync(null, cancellationToken);

    /// <summary>A session as the registry holds it, running or ended; null when unknown.</summary>
    public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    /// <summary>Ends through the store and counts the ending.</summary>
    private async ValueTask<EndResult> EndAsync(EndRequest request, CancellationToken cancellationToken)
    {
        var result = await store.EndAsync(request, cancellationToken);
        metrics.Ended(result);
        audit.Ended(result);
        return result;
    }

    /// <summary>Decides each session again; cuts the ones it still allows and returns the ones to end, and how many were cut.</summary>
    private async Task<(List<SessionRecord> Ending, int Cut)> ReviseAsync(IReadOnlyList<string> ids, DateTimeOffset now, string actor, string detail,
        CancellationToken cancellationToken)
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
                audit.Shortened(session, revised, actor, detail);
                cut++;
            }
        }
        return (ending, cut);
    }

    /// <summary>The session's decision now and its limits cut to it (never extended).</summary>
    private async Task<(Decision?, SessionRecord)> RedecideAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        if (DecisionRequestReader.ReadStored(session.Request, clock.Bounds()) is not { } read) return (null, session);
        var decision = await decisions.DecideAsync(read, explain: false, session.Request, cancellationToken, record: false);
        var expires = session.IssuedAt.AddSeconds(decision.MaxSessionSeconds);
        var idle = session.Origin == SessionRecord.SsmOrigin ? 0
            : decision.IdleTimeoutSeconds == 0 ? session.IdleTimeoutSeconds
            : session.IdleTimeoutSeconds == 0 ? decision.IdleTimeoutSeconds
            : Math.Min(session.IdleTimeoutSeconds, decision.IdleTimeoutSeconds);
        return (decision, session with { ExpiresAt = expires < session.ExpiresAt ? expires : session.ExpiresAt, IdleTimeoutSeconds = idle });
    }

    private async Task<SessionView> ViewAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        var (decision, revised) = await RedecideAsync(session, cancellationToken);
        return decision is null
            ? new SessionView(session, null, null)
            : new SessionView(session, decision.MaxSessionSeconds, decision.Outcome == Outcome.Allow
                && revised.ExpiresAt == session.ExpiresAt && revised.IdleTimeoutSeconds == session.IdleTimeoutSeconds);
    }

    private static ServiceFailure NotFound(string id) =>
        ServiceFailure.NotFound($"session {id} is not registered (or ended longer ago than {SessionLifecycleOptions.Section}:EndedRetention)");
}
