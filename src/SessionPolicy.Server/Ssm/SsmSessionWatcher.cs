using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using SessionPolicy.Core.Ssm;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Ssm;

/// <summary>
/// Running Session Manager sessions follow the policy. Every <see cref="SsmOptions.SessionsInterval"/> each region's
/// active sessions are listed (<c>DescribeSessions</c>, state Active). One not yet known is registered as a session of its
/// owner (a person, in the region's environment, signed in with MFA at AAL2 on a managed device over the command line),
/// from its start time, so it is listed, swept and re-decided like any other; SSM enforces its idle timeout, the service
/// its maximum. One the registry has ended (its maximum passed, a tightened policy, a forced logout, a risk signal) is
/// ended in SSM too (<c>TerminateSession</c>): the ending itself was a normal one, with its logout event, deliveries
/// and audit. One that SSM no longer lists ended there, and is ended in the registry (actor <c>aws-ssm</c>).
/// </summary>
internal sealed class SsmSessionWatcher(SsmFleet fleet, IOptions<SsmOptions> options, SessionLifecycle sessions, PolicyStore policies, IReceiverCursors leases,
    AuditTrail audit, SsmMetrics metrics, RequestClock clock, TimeProvider time, ILogger<SsmSessionWatcher> logger)
    : LeasedRounds(leases, policies, time, logger, LeaseName, options.Value.Lease, options.Value.SessionsInterval)
{
    public const string LeaseName = ":aws-ssm-sessions";
    public const string Actor = "aws-ssm";

    /// <summary>Most pages read of one region in a round (200 sessions each).</summary>
    private const int MaxPages = 100;

    private readonly SsmOptions _options = options.Value;
    protected override async Task RoundAsync(CancellationToken cancellationToken)
    {
        foreach (var target in fleet.Targets) await RoundAsync(target, cancellationToken);
    }

    /// <summary>The registry's id of a Session Manager session: <c>ssm:REGION:SESSION_ID</c>, or <c>ssm:ACCOUNT:REGION:SESSION_ID</c> in another account.</summary>
    public static string Id(SsmTarget target, string sessionId) =>
        target.Account.Length > 0 ? $"ssm:{target.Account}:{target.Region}:{sessionId}" : $"ssm:{target.Region}:{sessionId}";

    private async Task RoundAsync(SsmTarget target, CancellationToken cancellationToken)
    {
        var client = fleet.Client(target);
        List<Session> active;
        try
        {
            active = await ActiveAsync(client, cancellationToken);
        }
        catch (AmazonServiceException e) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(target, e.ErrorCode ?? $"HTTP{(int)e.StatusCode}");
            return;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException or AmazonClientException && !cancellationToken.IsCancellationRequested)
        {
            Failed(target, "NoAnswer");
            return;
        }
        var now = Time.GetUtcNow();
        // One read of what runs here: a session SSM lists that the registry runs too is within the policy (the sweeper
        // ends it at its deadline); only the others are looked up one by one.
        var running = new HashSet<string>(await sessions.ActiveIdsAsync(cancellationToken), StringComparer.Ordinal);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        var overLimit = 0;
        foreach (var s in active)
        {
            var id = Id(target, s.SessionId ?? "");
            if (!Mapping.SessionFieldsReader.IsSessionId(id)) continue;
            listed.Add(id);
            if (running.Contains(id)) continue;
            var record = await sessions.GetAsync(id, cancellationToken) ?? await RegisterAsync(target, s, id, cancellationToken);
            if (record is null)
            {
                // The policy allows its owner no session there (or its owner is not one the service can name): it ends in SSM.
                overLimit++;
                await TerminateAsync(target, client, s, null, now, cancellationToken);
                continue;
            }
            if (record.IsDueAt(now))
            {
                // Past its maximum: ended now rather than at the sweeper's next turn, then in SSM.
                var ended = await sessions.EndSessionsAsync([id], record.ExpiryReason, "system", "", onlyIfDue: true, cancellationToken);
                record = ended.Ended.FirstOrDefault() ?? await sessions.GetAsync(id, cancellationToken) ?? record;
            }
            if (record.IsActive) continue;
            overLimit++;
            await TerminateAsync(target, client, s, record, now, cancellationToken);
        }
        metrics.OverLimit(target.Name, overLimit);
        metrics.ActiveSessions(target.Name, active.Count - overLimit);
        // What SSM no longer lists ended there.
        var prefix = Id(target, "");
        var gone = running.Where(i => i.StartsWith(prefix, StringComparison.Ordinal) && !listed.Contains(i)).ToList();
        if (gone.Count > 0) await sessions.EndSessionsAsync(gone, LogoutReason.Admin, Actor, "ended in Session Manager", onlyIfDue: false, cancellationToken);
        fleet.SetSessions(target, active.Count - overLimit, overLimit, now);
    }

    private static async Task<List<Session>> ActiveAsync(IAmazonSimpleSystemsManagement client, CancellationToken cancellationToken)
    {
        var all = new List<Session>();
        string? token = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var answer = await client.DescribeSessionsAsync(new DescribeSessionsRequest { State = Amazon.SimpleSystemsManagement.SessionState.Active, MaxResults = 200, NextToken = token }, cancellationToken);
            all.AddRange(answer.Sessions ?? []);
            token = answer.NextToken;
            if (string.IsNullOrEmpty(token)) break;
        }
        return all;
    }

    /// <summary>Registers a session found running: its owner as a person in the region's environment, from its start.</summary>
    private async Task<SessionRecord?> RegisterAsync(SsmTarget target, Session s, string id, CancellationToken cancellationToken)
    {
        var owner = s.Owner ?? "";
        var principal = owner[(owner.LastIndexOf('/') + 1)..];
        var started = s.StartDate is { } d ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : Time.GetUtcNow();
        var request = new DecideRequest
        {
            Principal = new Principal { Id = principal, Type = PrincipalType.Human },
            Role = new Role { Arn = SsmPreferences.SessionRole.Value },
            Context = new RequestContext
            {
                Environment = target.Environment, Mfa = true, AssuranceLevel = AssuranceLevel.Aal2, DeviceTrust = DeviceTrust.Managed,
                SourceIp = "10.0.0.1", Channel = Channel.Cli, RiskScore = 0, AuthenticatedAt = Timestamp.FromDateTimeOffset(started),
            },
        };
        var bytes = request.ToByteArray();
        if (DecisionRequestReader.ReadStored(bytes, clock.Bounds()) is not { } read) return null;
        try
        {
            await sessions.RegisterAsync(new Registration(read, _options.Audiences, id, bytes) { StartedAt = started, Origin = SessionRecord.SsmOrigin }, cancellationToken);
        }
        catch (DecisionRefusedException)
        {
            return null;
        }
        catch (ServiceFailure f) when (f.Kind == FailureKind.Conflict)
        {
        }
        return await sessions.GetAsync(id, cancellationToken);
    }

    private async Task TerminateAsync(SsmTarget target, IAmazonSimpleSystemsManagement client, Session s, SessionRecord? record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await client.TerminateSessionAsync(new TerminateSessionRequest { SessionId = s.SessionId }, cancellationToken);
        }
        catch (DoesNotExistException)
        {
            return;
        }
        catch (AmazonServiceException e) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(target, e.ErrorCode ?? $"HTTP{(int)e.StatusCode}");
            return;
        }
        // The limit was crossed at the maximum for an expiry, at the ending for everything else (at once for a denied owner).
        var crossed = record is null ? now : record.EndedReason == LogoutReason.MaxDuration ? record.ExpiresAt : record.EndedAt ?? now;
        var reason = record?.EndedReason.ToString() ?? "Denied";
        var ended = Time.GetUtcNow();
        metrics.Terminated(target.Name, reason, ended - crossed);
        SsmLog.Terminated(logger, s.SessionId ?? "", target.Name, record?.PrincipalId ?? "", reason);
        audit.Write(new AuditRecord
        {
            Type = "ssm.session_terminated", Time = ended, Actor = Actor, PrincipalId = record?.PrincipalId, SessionIds = [Id(target, s.SessionId ?? "")], Reason = reason,
            DecisionId = record is { DecisionId.Length: > 0 } ? record.DecisionId : null, PolicyVersion = record is { PolicyVersion.Length: > 0 } ? record.PolicyVersion : null,
            Detail = $"Session Manager session {s.SessionId} in {target.Name} to {s.Target} terminated {(ended - crossed).TotalSeconds:0.#} s after its limit was crossed",
        });
    }

    private void Failed(SsmTarget target, string code)
    {
        if (code.Length > 64 || !code.All(char.IsAsciiLetterOrDigit)) code = "Unrecognized";
        metrics.Failed(target.Name, code);
        SsmLog.Failed(logger, target.Name, code);
    }
}
