using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Functional;

public sealed class DecideTests : IDisposable
{
    private readonly PolicyServiceFactory _factory = new();
    private SessionPolicyService.SessionPolicyServiceClient Client => new(_factory.Channel);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Decide_EmbeddedDefault_ProductionHumanGetsOneHourAndFifteenMinutesIdle()
    {
        var d = (await Client.DecideAsync(Sample.Human(environment: "production"))).Decision;

        Assert.Equal(Outcome.Allow, d.Outcome);
        Assert.Equal(3600, d.MaxSessionSeconds);
        Assert.Equal(900, d.IdleTimeoutSeconds);
        Assert.Equal("production-human", d.Profile);
        Assert.Equal(Constraint.Profile, d.BindingConstraint);
        Assert.Equal(DecisionSource.Computed, d.Source);
        Assert.StartsWith("sha256:", d.PolicyVersion);
        Assert.NotEmpty(d.DecisionId);
        Assert.NotNull(d.DecidedAt);
        Assert.Contains("production-human", d.Summary);
        Assert.Empty(d.Trace);
    }

    [Fact]
    public async Task Decide_GuardrailsApply_ListsEveryOneAndTheBindingConstraint()
    {
        var request = Sample.Human(mfa: false);
        request.Context.SourceIp = "203.0.113.7";

        var d = (await Client.DecideAsync(request)).Decision;

        Assert.Equal(3600, d.MaxSessionSeconds);
        Assert.Equal(Constraint.Guardrail, d.BindingConstraint);
        Assert.Equal(["no-mfa", "untrusted-network"], d.Guardrails.Select(g => g.Name));
        Assert.All(d.Guardrails, g => Assert.NotEmpty(g.Reason));
    }

    [Fact]
    public async Task Decide_RoleChainingAndRoleMaximum_AreClampedNotFailed()
    {
        var request = Sample.Service();
        request.Context = new RequestContext { Environment = "development", RoleChaining = true, RequestedDurationSeconds = 43200 };

        var d = (await Client.DecideAsync(request)).Decision;

        Assert.Equal(3600, d.MaxSessionSeconds);
        Assert.Equal(Constraint.RoleChaining, d.BindingConstraint);
    }

    [Fact]
    public async Task Decide_SameRequestTwice_SecondIsServedFromLocalCacheWithSameDecisionId()
    {
        var first = (await Client.DecideAsync(Sample.Human())).Decision;
        var second = (await Client.DecideAsync(Sample.Human())).Decision;

        Assert.Equal(DecisionSource.Computed, first.Source);
        Assert.Equal(DecisionSource.LocalCache, second.Source);
        Assert.Equal(first.DecisionId, second.DecisionId);
        Assert.Equal(first.MaxSessionSeconds, second.MaxSessionSeconds);
    }

    [Fact]
    public async Task Decide_GroupsInAnotherOrder_ShareOneCachedDecision()
    {
        var a = Sample.Human();
        a.Principal.Groups.Add(["break-glass", "ops", "ops"]);
        a.Role.Arn = "arn:aws:iam::123456789012:role/break-glass-admin";
        var b = Sample.Human();
        b.Principal.Groups.Add(["ops", "break-glass"]);
        b.Role.Arn = a.Role.Arn;

        var first = (await Client.DecideAsync(a)).Decision;
        var second = (await Client.DecideAsync(b)).Decision;

        var third = (await Client.DecideAsync(b)).Decision;

        Assert.Equal("break-glass", first.Profile);
        Assert.Equal(DecisionSource.Computed, first.Source);
        Assert.Equal((first.DecisionId, DecisionSource.LocalCache), (second.DecisionId, second.Source));
        Assert.Equal((first.DecisionId, DecisionSource.LocalCache), (third.DecisionId, third.Source));
    }

    [Fact]
    public async Task Decide_InvalidRequest_IsNeverCachedAndFailsEveryTime()
    {
        var bad = Sample.Human();
        bad.Context.RiskScore = 500;

        await RpcAssert.InvalidArgumentAsync(() => Client.DecideAsync(bad).ResponseAsync, "context.risk_score");
        await RpcAssert.InvalidArgumentAsync(() => Client.DecideAsync(bad).ResponseAsync, "context.risk_score");
    }

    [Fact]
    public async Task Decide_DifferentContext_IsADifferentDecision()
    {
        var first = (await Client.DecideAsync(Sample.Human(environment: "staging"))).Decision;
        var second = (await Client.DecideAsync(Sample.Human(environment: "production"))).Decision;

        Assert.NotEqual(first.DecisionId, second.DecisionId);
        Assert.Equal(DecisionSource.Computed, second.Source);
    }

    [Fact]
    public async Task Decide_Explain_ReturnsTraceAndIsAlwaysComputed()
    {
        await Client.DecideAsync(Sample.Human(environment: "production"));
        var request = Sample.Human(environment: "production");
        request.Explain = true;

        var d = (await Client.DecideAsync(request)).Decision;

        Assert.Equal(DecisionSource.Computed, d.Source);
        Assert.Contains(d.Trace, t => t.Stage == "profile" && t.Subject == "production-human" && t.Applied);
        Assert.Contains(d.Trace, t => t.Stage == "guardrail");
    }

    [Fact]
    public async Task DecideBatch_ReturnsOneDecisionPerRequestInOrder()
    {
        var batch = new DecideBatchRequest { Requests = { Sample.Human(environment: "production"), Sample.Service(), Sample.Human() } };

        var response = await Client.DecideBatchAsync(batch);

        Assert.Equal(["production-human", "batch-automation", "workforce-human"], response.Decisions.Select(d => d.Profile));
    }

    [Fact]
    public async Task DecideBatch_InvalidItem_FailsWholeBatchNamingTheItem()
    {
        var bad = Sample.Human();
        bad.Role.Arn = "arn:aws:s3:::my-bucket";
        var batch = new DecideBatchRequest { Requests = { Sample.Human(), bad } };

        await RpcAssert.InvalidArgumentAsync(() => Client.DecideBatchAsync(batch).ResponseAsync, "requests[1].role.arn");
    }

    [Fact]
    public async Task DecideBatch_Empty_IsInvalid() =>
        await RpcAssert.InvalidArgumentAsync(() => Client.DecideBatchAsync(new DecideBatchRequest()).ResponseAsync, "requests");

    [Fact]
    public async Task DecideBatch_TooMany_IsInvalid()
    {
        var batch = new DecideBatchRequest();
        batch.Requests.Add(Enumerable.Range(0, 501).Select(_ => Sample.Human()));

        await RpcAssert.InvalidArgumentAsync(() => Client.DecideBatchAsync(batch).ResponseAsync, "requests");
    }

    [Fact]
    public async Task GetPolicyInfo_EmbeddedDefault_ShowsVersionAndSource()
    {
        var info = await Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());
        var decision = (await Client.DecideAsync(Sample.Human())).Decision;

        Assert.Equal("embedded:default.yaml", info.Source);
        Assert.Equal(decision.PolicyVersion, info.Version);
        Assert.Equal(6, info.ProfileCount);
        Assert.Empty(info.LastRejectedErrors);
    }
}

public sealed class DecisionCacheExpiryTests
{
    [Fact]
    public async Task Decide_CachedDecision_ExpiresExactlyAtTimeToLive()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        using var factory = new PolicyServiceFactory(clock: clock, settings: new Dictionary<string, string?> { ["SessionPolicy:DecisionCache:TimeToLive"] = "00:01:00" });
        var client = new SessionPolicyService.SessionPolicyServiceClient(factory.Channel);
        var first = (await client.DecideAsync(Sample.Human())).Decision;

        clock.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        var justBefore = (await client.DecideAsync(Sample.Human())).Decision;
        clock.Advance(TimeSpan.FromTicks(1));
        var at = (await client.DecideAsync(Sample.Human())).Decision;

        Assert.Equal(DecisionSource.LocalCache, justBefore.Source);
        Assert.Equal(first.DecisionId, justBefore.DecisionId);
        Assert.Equal(DecisionSource.Computed, at.Source);
        Assert.NotEqual(first.DecisionId, at.DecisionId);
        Assert.Equal(clock.GetUtcNow(), at.DecidedAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task Decide_CacheDisabled_AlwaysComputes()
    {
        using var factory = new PolicyServiceFactory(settings: new Dictionary<string, string?> { ["SessionPolicy:DecisionCache:MaxEntries"] = "0" });
        var client = new SessionPolicyService.SessionPolicyServiceClient(factory.Channel);

        await client.DecideAsync(Sample.Human());
        var second = (await client.DecideAsync(Sample.Human())).Decision;

        Assert.Equal(DecisionSource.Computed, second.Source);
    }
}
