using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Options;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Grpc;
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
    RoleMaximums roleMaximums,
    SessionLifecycle lifecycle,
    Audit.AuditTrail audit,
    IOptions<StsOptions> options,
    IOptions<SessionLifecycleOptions> sessionOptions,
    TimeProvider time,
    ILogger<SessionIssuer> logger)
{
    private readonly string _defaultAudience = sessionOptions.Value.DefaultStsAudience;
    private readonly string _region = options.Value.Region.Length > 0 ? options.Value.Region : StsClientFactory.DefaultRegion;

    public async Task<IssueSessionResponse> IssueAsync(IssueSessionRequest request, CancellationToken cancellationToken)
    {
        var errors = new FieldViolations();
        IssueSessionReader.Validate(request, errors);
        SessionFieldsReader.Audiences(errors, "audiences", request.Audiences, required: false);
        var session = SessionRequestReader.Read(request.Principal, request.Role, request.Context, errors);
        errors.ThrowIfAny();

        if (await identity.IsRoleSessionAsync()) session = session! with { RoleChaining = true };
        // What the caller says of the role wins; what STS taught applies when the caller does not say.
        if (session!.RoleMaxSessionSeconds == 0 && await roleMaximums.GetAsync(session.Role.Value) is { } learned) session = session with { RoleMaxSessionSeconds = learned };

        var (decision, asked) = await DecideAsync(request, session, cancellationToken);
        var sessionId = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        AssumeRoleResponse assumed;
        try
        {
            assumed = await sts.AssumeRoleAsync(AssumeRoleRequestFor(request, decision.MaxSessionSeconds, sessionId), cancellationToken);
        }
        catch (AmazonServiceException e) when (StsFailures.IsAboveRoleChainingLimit(e) && !session.RoleChaining)
        {
            Log.RoleChainingLearned(logger, session.Role.Value, decision.MaxSessionSeconds);
            identity.LearnRoleSession();
            (decision, asked, assumed) = await RetryAsync(request, session with { RoleChaining = true }, sessionId, "STS limits role chaining to 3600 s", cancellationToken);
        }
        catch (AmazonServiceException e) when (StsFailures.IsAboveRoleMaximum(e) && decision.MaxSessionSeconds > StsLimits.DefaultDurationSeconds)
        {
            var maximum = LearnedMaximum(e.Message, decision.MaxSessionSeconds);
            Log.RoleMaximumLearned(logger, session.Role.Value, decision.MaxSessionSeconds, maximum);
            await roleMaximums.RememberAsync(session.Role.Value, maximum);
            var why = $"STS refused {decision.MaxSessionSeconds} s as above the role's MaxSessionDuration; retried at {maximum} s";
            (decision, asked, assumed) = await RetryAsync(request, session with { RoleMaxSessionSeconds = maximum }, sessionId, why, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Refused(e, request);
        }

        var now = time.GetUtcNow();
        // Credentials exist now, so the session is registered even if the caller has gone.
        await lifecycle.RegisterIssuedAsync(SessionRecord.Started(sessionId, session.PrincipalId, session.Role.Value,
            request.Audiences.Count > 0 ? [.. request.Audiences] : [_defaultAudience], "sts", decision, asked, now), CancellationToken.None);
        Log.SessionIssued(logger, sessionId, session.PrincipalId, session.Role.Value, decision.MaxSessionSeconds, decision.IdleTimeoutSeconds, decision.DecisionId);
        audit.Write(audit.Decided("session.issued", "", request.Principal, session.Role.Value, decision) with { SessionIds = [sessionId] });

        var credentials = assumed.Credentials;
        return new IssueSessionResponse
        {
            Credentials = new V1.Credentials
            {
                AccessKeyId = credentials.AccessKeyId,
                SecretAccessKey = credentials.SecretAccessKey,
                SessionToken = credentials.SessionToken,
                Expiration = Timestamp.FromDateTime(DateTime.SpecifyKind(credentials.Expiration ?? now.AddSeconds(decision.MaxSessionSeconds).UtcDateTime, DateTimeKind.Utc).ToUniversalTime()),
            },
            AssumedRoleArn = assumed.AssumedRoleUser?.Arn ?? "",
            Decision = decision,
            IdleTimeoutSeconds = decision.IdleTimeoutSeconds,
            SessionId = sessionId,
        };
    }

    /// <summary>The one retry: decide again under what STS taught, say so in the decision, and assume the role again.</summary>
    private async Task<(Decision, byte[], AssumeRoleResponse)> RetryAsync(IssueSessionRequest request, SessionRequest session, string sessionId, string why, CancellationToken cancellationToken)
    {
        var (decided, asked) = await DecideAsync(request, session, cancellationToken);
        var decision = decided.Clone();
        decision.Summary += $"; {why}";
        if (request.Explain) decision.Trace.Add(new TraceStep { Stage = "sts", Subject = session.Role.Value, Applied = true, Detail = why });
        try
        {
            return (decision, asked, await sts.AssumeRoleAsync(AssumeRoleRequestFor(request, decision.MaxSessionSeconds, sessionId), cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Refused(e, request);
        }
    }

    /// <summary>
    /// Decides as Decide would for the same input, through the same caches; anything but allow issues
    /// nothing. Also returns the Decide request it decided (kept with the session, to decide it again later).
    /// </summary>
    private async Task<(Decision, byte[])> DecideAsync(IssueSessionRequest request, SessionRequest session, CancellationToken cancellationToken)
    {
        var asked = new DecideRequest { Principal = request.Principal, Role = request.Role.Clone(), Context = request.Context?.Clone() ?? new RequestContext() };
        asked.Role.MaxSessionSeconds = session.RoleMaxSessionSeconds;
        asked.Context.RoleChaining = session.RoleChaining;
        var encoded = asked.ToByteArray();
        var decision = await decisions.DecideAsync(session, request.Explain, encoded, cancellationToken);
        DecisionOutcomes.ThrowUnlessAllowed(decision, "session issued", audit, request.Principal, request.Role.Arn);
        return (decision, encoded);
    }

    private RpcException Refused(Exception e, IssueSessionRequest request)
    {
        if (e is AmazonServiceException aws) Log.StsRefused(logger, request.Role.Arn, request.Principal.Id, aws.ErrorCode ?? "", aws.RequestId ?? "");
        else Log.StsUnreachable(logger, request.Role.Arn, e.GetBaseException().GetType().Name);
        return StsFailures.ToRpc(e, request, _region);
    }

    private static AssumeRoleRequest AssumeRoleRequestFor(IssueSessionRequest request, int durationSeconds, string sessionId)
    {
        var assume = new AssumeRoleRequest
        {
            RoleArn = request.Role.Arn,
            RoleSessionName = request.RoleSessionName,
            DurationSeconds = durationSeconds,
            Tags = [new Tag { Key = IssueSessionReader.SessionIdTag, Value = sessionId }],
        };
        foreach (var (key, value) in request.SessionTags.OrderBy(t => t.Key, StringComparer.Ordinal)) assume.Tags.Add(new Tag { Key = key, Value = value });
        if (request.TransitiveTagKeys.Count > 0) assume.TransitiveTagKeys = [.. request.TransitiveTagKeys];
        if (request.SourceIdentity.Length > 0) assume.SourceIdentity = request.SourceIdentity;
        if (request.ExternalId.Length > 0) assume.ExternalId = request.ExternalId;
        if (request.InlinePolicy.Length > 0) assume.Policy = request.InlinePolicy;
        if (request.PolicyArns.Count > 0) assume.PolicyArns = [.. request.PolicyArns.Select(a => new PolicyDescriptorType { Arn = a })];
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
