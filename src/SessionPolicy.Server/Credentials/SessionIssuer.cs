using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Options;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Credentials.Stores;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.V1;
using Tag = Amazon.SecurityToken.Model.Tag;

namespace SessionPolicy.Server.Credentials;

/// <summary>
/// IssueSession: checks the STS limits, decides exactly as Decide would (with the role maximum learned
/// from STS and the service's own role chaining), assumes the role with the decided DurationSeconds,
/// and registers the session. STS refusing the duration as above the role's maximum is learned and
/// retried once; a decision to deny or re-authenticate issues nothing.
/// </summary>
internal sealed partial class SessionIssuer(
    DecisionService decisions,
    IAmazonSecurityTokenService sts,
    StsCallerIdentity identity,
    IRoleMaximumStore roleMaximums,
    SessionLifecycle lifecycle,
    AuditTrail audit,
    IOptions<StsOptions> options,
    IOptions<SessionLifecycleOptions> sessionOptions,
    TimeProvider time,
    ILogger<SessionIssuer> logger) : ISessionIssuer
{
    private readonly string _defaultAudience = sessionOptions.Value.DefaultStsAudience;
    private readonly string _region = options.Value.Region.Length > 0 ? options.Value.Region : StsClientFactory.DefaultRegion;

    public async Task<IssuedSession> IssueAsync(IssueOrder order, CancellationToken cancellationToken)
    {
        var session = order.Session;
        if (await identity.IsRoleSessionAsync()) session = session with { RoleChaining = true };
        // What the caller says of the role wins; what STS taught applies when the caller does not say.
        if (session.RoleMaxSessionSeconds == 0 && await roleMaximums.GetAsync(session.Role.Value) is { } learned) session = session with { RoleMaxSessionSeconds = learned };

        var (decision, asked) = await DecideAsync(order, session, cancellationToken);
        // Nothing is minted that could not be registered: a session STS issues must be known, to be ended.
        await lifecycle.CheckCanRegisterAsync(cancellationToken);
        var sessionId = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        AssumeRoleResponse assumed;
        try
        {
            assumed = await AssumeAsync(order, decision, sessionId, cancellationToken);
        }
        catch (AmazonServiceException e) when (StsFailures.IsAboveRoleChainingLimit(e) && !session.RoleChaining)
        {
            Log.RoleChainingLearned(logger, session.Role.Value, decision.MaxSessionSeconds);
            identity.LearnRoleSession();
            (decision, asked, assumed) = await RetryAsync(order, session with { RoleChaining = true }, sessionId, "STS limits role chaining to 3600 s", cancellationToken);
        }
        catch (AmazonServiceException e) when (StsFailures.IsAboveRoleMaximum(e) && decision.MaxSessionSeconds > StsLimits.DefaultDurationSeconds)
        {
            var maximum = LearnedMaximum(e.Message, decision.MaxSessionSeconds);
            Log.RoleMaximumLearned(logger, session.Role.Value, decision.MaxSessionSeconds, maximum);
            await roleMaximums.RememberAsync(session.Role.Value, maximum);
            var why = $"STS refused {decision.MaxSessionSeconds} s as above the role's MaxSessionDuration; retried at {maximum} s";
            (decision, asked, assumed) = await RetryAsync(order, session with { RoleMaxSessionSeconds = maximum }, sessionId, why, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Refused(e, order);
        }

        var now = time.GetUtcNow();
        var credentials = assumed.Credentials;
        var expiration = credentials.Expiration is { } e2
            ? new DateTimeOffset(DateTime.SpecifyKind(e2, DateTimeKind.Utc).ToUniversalTime())
            : now.AddSeconds(decision.MaxSessionSeconds);
        // Credentials exist now, so the session is registered even if the caller has gone.
        try
        {
            await lifecycle.RegisterIssuedAsync(SessionRecord.Started(sessionId, session.PrincipalId, session.Role.Value,
                order.Audiences.Count > 0 ? order.Audiences : [_defaultAudience], "sts", decision, asked, now) with
            {
                CredentialsExpireAt = expiration,
                SourceIdentity = order.Sts.SourceIdentity,
            }, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Minted and not registered: never handed out (nobody could end them), and never dropped silently.
            Log.IssuedNotRegistered(logger, sessionId, session.PrincipalId, session.Role.Value, assumed.AssumedRoleUser?.Arn ?? "", expiration, e.GetType().Name);
            audit.Write(audit.Decided("session.unregistered", session, decision) with
            {
                SessionIds = [sessionId],
                Detail = $"STS issued credentials ({assumed.AssumedRoleUser?.Arn}) that could not be registered; not handed out, unused until they expire at {expiration:O}",
            });
            throw ServiceFailure.Unavailable(
                $"STS issued credentials for session {sessionId}, but the session could not be registered; they were not handed out and expire unused at {expiration:O}; try again",
                StsFailures.RetryDelay);
        }
        Log.SessionIssued(logger, sessionId, session.PrincipalId, session.Role.Value, decision.MaxSessionSeconds, decision.IdleTimeoutSeconds, decision.DecisionId);
        audit.Write(audit.Decided("session.issued", session, decision) with { SessionIds = [sessionId] });

        return new IssuedSession(credentials, expiration, assumed.AssumedRoleUser?.Arn ?? "", decision, sessionId);
    }

    /// <summary>The one retry: decide again under what STS taught, say so in the decision, and assume the role again.</summary>
    private async Task<(Decision, byte[], AssumeRoleResponse)> RetryAsync(IssueOrder order, SessionRequest session, string sessionId, string why, CancellationToken cancellationToken)
    {
        var (decided, asked) = await DecideAsync(order, session, cancellationToken);
        var decision = decided.Clone();
        decision.Summary += $"; {why}";
        if (order.Explain) decision.Trace.Add(new TraceStep { Stage = "sts", Subject = session.Role.Value, Applied = true, Detail = why });
        try
        {
            return (decision, asked, await AssumeAsync(order, decision, sessionId, cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Refused(e, order);
        }
    }

    /// <summary>One AssumeRole call for the decided duration, its HTTP requests bounded by the retry budget (<see cref="StsAttempts"/>).</summary>
    private async Task<AssumeRoleResponse> AssumeAsync(IssueOrder order, Decision decision, string sessionId, CancellationToken cancellationToken)
    {
        using var attempts = StsAttempts.Begin(options.Value.MaxErrorRetry + 1);
        return await sts.AssumeRoleAsync(AssumeRoleRequestFor(order.Sts, decision.MaxSessionSeconds, sessionId), cancellationToken);
    }

    /// <summary>
    /// Decides as Decide would for the same input, through the same caches; anything but allow issues
    /// nothing. Also returns the Decide request it decided (kept with the session, to decide it again later).
    /// </summary>
    private async Task<(Decision, byte[])> DecideAsync(IssueOrder order, SessionRequest session, CancellationToken cancellationToken)
    {
        var encoded = DecisionRequestReader.Encode(order.Asked, session.RoleMaxSessionSeconds, session.RoleChaining);
        var decision = await decisions.DecideAsync(session, order.Explain, encoded, cancellationToken);
        DecisionRefusedException.ThrowUnlessAllowed(decision, "session issued", audit, session);
        return (decision, encoded);
    }

    private ServiceFailure Refused(Exception e, IssueOrder order)
    {
        if (e is AmazonServiceException aws) Log.StsRefused(logger, order.Sts.RoleArn, order.Session.PrincipalId, StsFailures.Code(aws), StsFailures.RequestId(aws));
        else Log.StsUnreachable(logger, order.Sts.RoleArn, e.GetBaseException().GetType().Name);
        return StsFailures.ToFailure(e, order.Sts, _region);
    }

    private static AssumeRoleRequest AssumeRoleRequestFor(StsAsk ask, int durationSeconds, string sessionId)
    {
        var assume = new AssumeRoleRequest
        {
            RoleArn = ask.RoleArn,
            RoleSessionName = ask.RoleSessionName,
            DurationSeconds = durationSeconds,
            Tags = [new Tag { Key = IssueSessionReader.SessionIdTag, Value = sessionId }],
        };
        foreach (var (key, value) in ask.SessionTags) assume.Tags.Add(new Tag { Key = key, Value = value });
        if (ask.TransitiveTagKeys.Count > 0) assume.TransitiveTagKeys = [.. ask.TransitiveTagKeys];
        if (ask.SourceIdentity.Length > 0) assume.SourceIdentity = ask.SourceIdentity;
        if (ask.ExternalId.Length > 0) assume.ExternalId = ask.ExternalId;
        if (ask.InlinePolicy.Length > 0) assume.Policy = ask.InlinePolicy;
        if (ask.PolicyArns.Count > 0) assume.PolicyArns = [.. ask.PolicyArns.Select(a => new PolicyDescriptorType { Arn = a })];
        return assume;
    }

    /// <summary>
    /// The role's maximum after STS refused <paramref name="refused"/> seconds. AWS's message does not give the
    /// number; an endpoint that does (a value in 3600..refused-1) is believed, otherwise 3600, the smallest
    /// MaxSessionDuration IAM allows, is the one retry certain to fit.
    /// </summary>
    internal static int LearnedMaximum(string message, int refused)
    {
        foreach (Match m in Number().Matches(message))
        {
            if (int.TryParse(m.ValueSpan, out var n) && n >= StsLimits.DefaultDurationSeconds && n < refused) return n;
        }
        return StsLimits.DefaultDurationSeconds;
    }

    [GeneratedRegex(@"\b\d{4,5}\b")]
    private static partial Regex Number();
}
