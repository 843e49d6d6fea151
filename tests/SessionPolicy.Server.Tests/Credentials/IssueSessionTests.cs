using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Credentials;

/// <summary>IssueSession against an STS-compatible endpoint on loopback, through the real AWS SDK.</summary>
public sealed class IssueSessionTests : IAsyncLifetime
{
    private StsTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task IssueSession_Allowed_AssumesTheRoleWithExactlyTheDecidedDuration()
    {
        var response = await _bed.Client.IssueSessionAsync(Request());

        var call = Assert.Single(_bed.Sts.Calls);
        Assert.Null(call.ErrorCode);
        Assert.Equal(43200, response.Decision.MaxSessionSeconds);
        Assert.Equal(response.Decision.MaxSessionSeconds, call.DurationSeconds);
        Assert.Equal("etl-nightly", call.RoleSessionName);
        Assert.Equal(LongRole, call.RoleArn);
        Assert.Equal(Region, call.Region);
        Assert.Equal(ServiceUser, call.CallerArn);
        Assert.Contains(new KeyValuePair<string, string>("sessionpolicy:session-id", response.SessionId), call.Tags);

        Assert.StartsWith("ASIA", response.Credentials.AccessKeyId);
        Assert.NotEmpty(response.Credentials.SecretAccessKey);
        Assert.NotEmpty(response.Credentials.SessionToken);
        var lifetime = response.Credentials.Expiration.ToDateTimeOffset() - DateTimeOffset.UtcNow;
        Assert.InRange(lifetime.TotalSeconds, 43200 - 300, 43200 + 5);
        Assert.Equal($"arn:aws:sts::{Account}:assumed-role/Batch/etl-nightly", response.AssumedRoleArn);
        Assert.Equal(Outcome.Allow, response.Decision.Outcome);
        Assert.Equal("batch-automation", response.Decision.Profile);
        Assert.Equal(response.Decision.IdleTimeoutSeconds, response.IdleTimeoutSeconds);
    }

    [Fact]
    public async Task IssueSession_Allowed_RegistersTheSessionWithItsLimits()
    {
        var request = Request(type: PrincipalType.Human, principal: "alice");
        request.Context.Mfa = true;

        var response = await _bed.Client.IssueSessionAsync(request);

        var session = await _bed.Server.Services.GetRequiredService<ISessionStore>().GetAsync(response.SessionId, CancellationToken.None);
        Assert.NotNull(session);
        Assert.Equal("alice", session.PrincipalId);
        Assert.Equal(LongRole, session.RoleArn);
        Assert.Equal("sts", session.Origin);
        Assert.Equal(response.Decision.MaxSessionSeconds, (session.ExpiresAt - session.IssuedAt).TotalSeconds);
        Assert.Equal(response.IdleTimeoutSeconds, session.IdleTimeoutSeconds);
        Assert.NotEqual(0, session.IdleTimeoutSeconds);
        Assert.Equal(response.Decision.DecisionId, session.DecisionId);
        Assert.Equal(["aws"], session.Audiences);
        Assert.True(session.IsActive);
    }

    [Fact]
    public async Task IssueSession_StsDetails_ArePassedAsGiven()
    {
        var request = Request(PartnerRole);
        request.Role.MaxSessionSeconds = 7200;
        request.SourceIdentity = "etl@example.com";
        request.ExternalId = PartnerExternalId;
        request.SessionTags.Add("team", "data platform");
        request.SessionTags.Add("cost-center", "4711");
        request.TransitiveTagKeys.Add("team");
        request.PolicyArns.Add("arn:aws:iam::aws:policy/ReadOnlyAccess");
        request.InlinePolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""";

        var response = await _bed.Client.IssueSessionAsync(request);

        var call = Assert.Single(_bed.Sts.Calls);
        Assert.Equal("etl@example.com", call.SourceIdentity);
        Assert.Equal(PartnerExternalId, call.ExternalId);
        Assert.Equal(request.InlinePolicy, call.Policy);
        Assert.Equal(["arn:aws:iam::aws:policy/ReadOnlyAccess"], call.PolicyArns);
        Assert.Equal(["team"], call.TransitiveTagKeys);
        Assert.Equal(7200, call.DurationSeconds);
        Assert.Equal(3, call.Tags.Count);
        Assert.Contains(new KeyValuePair<string, string>("team", "data platform"), call.Tags);
        Assert.Contains(new KeyValuePair<string, string>("cost-center", "4711"), call.Tags);
        Assert.NotEmpty(response.Credentials.SessionToken);
    }

    [Fact]
    public async Task IssueSession_RequestedShorter_SendsTheLesser()
    {
        var request = Request();
        request.Context.RequestedDurationSeconds = 1800;

        var response = await _bed.Client.IssueSessionAsync(request);

        Assert.Equal(1800, Assert.Single(_bed.Sts.Calls).DurationSeconds);
        Assert.Equal(Constraint.Requested, response.Decision.BindingConstraint);
    }

    [Fact]
    public async Task IssueSession_RoleMaximumGivenByCaller_IsNotExceeded()
    {
        var request = Request(ShortRole);
        request.Role.MaxSessionSeconds = 3600;

        var response = await _bed.Client.IssueSessionAsync(request);

        Assert.Equal(3600, Assert.Single(_bed.Sts.Calls).DurationSeconds);
        Assert.Equal(Constraint.RoleMaximum, response.Decision.BindingConstraint);
    }

    [Fact]
    public async Task IssueSession_AboveRoleMaximum_LearnsClampsRetriesOnceAndSaysSo()
    {
        var response = await _bed.Client.IssueSessionAsync(Request(ShortRole));

        Assert.Collection(_bed.Sts.Calls,
            first => { Assert.Equal(43200, first.DurationSeconds); Assert.Equal("ValidationError", first.ErrorCode); },
            retry => { Assert.Equal(3600, retry.DurationSeconds); Assert.Null(retry.ErrorCode); });
        Assert.Equal(3600, response.Decision.MaxSessionSeconds);
        Assert.Equal(Constraint.RoleMaximum, response.Decision.BindingConstraint);
        Assert.Contains("STS refused 43200 s as above the role's MaxSessionDuration; retried at 3600 s", response.Decision.Summary);
        Assert.NotEmpty(response.Credentials.SessionToken);
    }

    [Fact]
    public async Task IssueSession_AfterLearningRoleMaximum_SendsItFirstTime()
    {
        await _bed.Client.IssueSessionAsync(Request(ShortRole));

        var second = await _bed.Client.IssueSessionAsync(Request(ShortRole, principal: "etl-hourly"));

        Assert.Equal(3, _bed.Sts.Calls.Count);
        Assert.Equal(3600, _bed.Sts.Calls[2].DurationSeconds);
        Assert.Null(_bed.Sts.Calls[2].ErrorCode);
        Assert.Equal(Constraint.RoleMaximum, second.Decision.BindingConstraint);
    }

    [Fact]
    public async Task IssueSession_RefusedAgainAfterRetry_FailsWithoutAThirdAttempt()
    {
        _bed.Sts.FailNext(StsError.Validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), times: 2);

        var ex = await Assert.ThrowsAsync<RpcException>(() => _bed.Client.IssueSessionAsync(Request()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("MaxSessionDuration", ex.Status.Detail);
        Assert.Equal([43200, 3600], _bed.Sts.Calls.Select(c => c.DurationSeconds ?? 0));
    }

    [Fact]
    public async Task IssueSession_Deny_IssuesNothingAndCarriesTheDecision()
    {
        var request = Request();
        request.Context.RiskScore = 95;

        var ex = await Assert.ThrowsAsync<RpcException>(() => _bed.Client.IssueSessionAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        var status = ex.GetRpcStatus()!;
        Assert.Equal("DECISION_DENY", status.GetDetail<ErrorInfo>()!.Reason);
        Assert.Equal(Outcome.Deny, status.GetDetail<Decision>()!.Outcome);
        Assert.Empty(_bed.Sts.Calls);
    }

    [Fact]
    public async Task IssueSession_Reauthenticate_IssuesNothingAndCarriesTheDecision()
    {
        var request = Request(type: PrincipalType.Human, principal: "alice");
        request.Context.Mfa = false;
        request.Context.Environment = "production";

        var ex = await Assert.ThrowsAsync<RpcException>(() => _bed.Client.IssueSessionAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        var status = ex.GetRpcStatus()!;
        Assert.Equal("REAUTHENTICATION_REQUIRED", status.GetDetail<ErrorInfo>()!.Reason);
        Assert.Equal(Outcome.Reauthenticate, status.GetDetail<Decision>()!.Outcome);
        Assert.Empty(_bed.Sts.Calls);
    }

    [Fact]
    public async Task IssueSession_Explain_ReturnsTheTrace()
    {
        var request = Request();
        request.Explain = true;

        var response = await _bed.Client.IssueSessionAsync(request);

        Assert.NotEmpty(response.Decision.Trace);
        Assert.Equal(DecisionSource.Computed, response.Decision.Source);
    }

    [Fact]
    public async Task IssueSession_SameInputTwice_DecidesFromTheCacheAndIssuesTwoSessions()
    {
        var first = await _bed.Client.IssueSessionAsync(Request());
        var second = await _bed.Client.IssueSessionAsync(Request());

        Assert.Equal(first.Decision.DecisionId, second.Decision.DecisionId);
        Assert.Equal(DecisionSource.LocalCache, second.Decision.Source);
        Assert.NotEqual(first.SessionId, second.SessionId);
        Assert.NotEqual(first.Credentials.AccessKeyId, second.Credentials.AccessKeyId);
        Assert.Equal(2, _bed.Sts.Calls.Count);
    }

    [Fact]
    public async Task IssuedSession_ForcedOut_ReachesItsAudience()
    {
        await using var aws = await LogoutStream.OpenAsync(_bed.Server.Channel, ["aws"]);
        await using var console = await LogoutStream.OpenAsync(_bed.Server.Channel, ["console"]);
        var request = Request();
        request.Audiences.Add("console");
        var issued = await _bed.Client.IssueSessionAsync(Request());
        var withConsole = await _bed.Client.IssueSessionAsync(request);

        await new SessionEventsService.SessionEventsServiceClient(_bed.Server.Channel).ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "etl-nightly" });

        Assert.Equal([issued.SessionId], (await aws.NextEventAsync()).Event.SessionIds);
        Assert.Equal([withConsole.SessionId], (await console.NextEventAsync()).Event.SessionIds);
    }
}
