using System.Diagnostics.Metrics;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Functional;

/// <summary>Caller-stated times, truthful decisions and unknown environments, through the real gRPC service on a fake clock.</summary>
public sealed class FailClosedDecisionTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly PolicyServiceFactory _factory;

    public FailClosedDecisionTests() => _factory = new PolicyServiceFactory(clock: _clock);

    public void Dispose() => _factory.Dispose();

    private SessionPolicyService.SessionPolicyServiceClient Decisions => new(_factory.Channel);
    private SessionEventsService.SessionEventsServiceClient Events => new(_factory.Channel);

    private static DecideRequest SignedInAt(DateTimeOffset at, string id = "alice")
    {
        var request = Sample.Human(id: id);
        request.Context.AuthenticatedAt = Timestamp.FromDateTimeOffset(at);
        return request;
    }

    [Theory]
    [InlineData(301)]
    [InlineData(3 * 365 * 86400)]
    public async Task Decide_SignInTimeBeyondTheClockSkew_IsInvalidArgument(int secondsAhead) =>
        await RpcAssert.InvalidArgumentAsync(() => Decisions.DecideAsync(SignedInAt(Now.AddSeconds(secondsAhead))).ResponseAsync, "context.authenticated_at");

    [Fact]
    public async Task Decide_SignInTimeAbsurdlyOld_IsInvalidArgument() =>
        await RpcAssert.InvalidArgumentAsync(() => Decisions.DecideAsync(SignedInAt(Now - TimeBounds.DefaultMaxAge - TimeSpan.FromSeconds(1))).ResponseAsync, "context.authenticated_at");

    [Fact]
    public async Task Decide_SignInTimeAtTheBounds_IsAccepted()
    {
        Assert.Equal(Outcome.Allow, (await Decisions.DecideAsync(SignedInAt(Now + TimeBounds.DefaultMaxSkew))).Decision.Outcome);
        Assert.Equal(Outcome.Allow, (await Decisions.DecideAsync(SignedInAt(Now - TimeBounds.DefaultMaxAge))).Decision.Outcome);
    }

    [Fact]
    public async Task DisabledPrincipal_CannotStepOverTheRevocationWithAChosenTime()
    {
        await Events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "mallory", DisablePrincipal = true });
        var register = Helpers.Sessions.Register(principal: "mallory");
        register.Context.AuthenticatedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(3000, 1, 1, 0, 0, 0, TimeSpan.Zero));

        await RpcAssert.InvalidArgumentAsync(() => Decisions.DecideAsync(SignedInAt(new DateTimeOffset(3000, 1, 1, 0, 0, 0, TimeSpan.Zero), "mallory")).ResponseAsync, "context.authenticated_at");
        await RpcAssert.InvalidArgumentAsync(() => Events.RegisterSessionAsync(register).ResponseAsync, "context.authenticated_at");
        // A stated time before the revocation still asks for a new sign-in.
        _clock.Advance(TimeSpan.FromSeconds(1));
        var before = (await Decisions.DecideAsync(SignedInAt(Now.AddSeconds(-1), "mallory"))).Decision;
        Assert.Equal(Outcome.Reauthenticate, before.Outcome);
    }

    [Fact]
    public async Task Summary_StartsWithTheFinalOutcome()
    {
        await Events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "mallory", DisablePrincipal = true });

        var d = (await Decisions.DecideAsync(Sample.Human(id: "mallory"))).Decision;

        Assert.Equal(Outcome.Reauthenticate, d.Outcome);
        Assert.StartsWith("re-authenticate (principal revoked at", d.Summary);
    }

    [Fact]
    public async Task Guardrails_ThatChangedNothing_AreListedApart()
    {
        // Production with no address: the profile's 1h already, so untrusted-network (1h) has no effect.
        var request = Sample.Human(environment: "production");
        request.Context.SourceIp = "";

        var d = (await Decisions.DecideAsync(request)).Decision;

        Assert.Empty(d.Guardrails);
        Assert.Equal(["untrusted-network"], d.GuardrailsWithoutEffect);
    }

    [Fact]
    public async Task Explain_AccountsForEveryRule_WithTheFirstConditionThatFailed()
    {
        var request = Sample.Human(arn: "arn:aws:iam::123456789012:role/break-glass-admin");
        request.Explain = true;

        var d = (await Decisions.DecideAsync(request)).Decision;

        Assert.Equal(6, d.Trace.Count(t => t.Stage == "profile-candidate"));
        Assert.Equal(13, d.Trace.Count(t => t.Stage == "guardrail"));
        Assert.Contains(d.Trace, t => t.Subject == "break-glass" && !t.Applied && t.Detail == "principal.groups does not match");
        Assert.Contains(d.Trace, t => t.Stage == "environment" && t.Subject == "development");
    }

    [Fact]
    public async Task UndeclaredEnvironment_IsCountedAndReadAsProduction()
    {
        using var counted = new MetricCollector<long>(_factory.Services.GetRequiredService<IMeterFactory>(), "SessionPolicy.Server", "sessionpolicy.decisions.unknown_environment");

        var d = (await Decisions.DecideAsync(Sample.Human(environment: "prodution"))).Decision;
        await Decisions.DecideAsync(Sample.Human(environment: ""));

        Assert.Equal("production-human", d.Profile);
        Assert.Equal(["undeclared", "missing"], counted.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!));
    }
}
