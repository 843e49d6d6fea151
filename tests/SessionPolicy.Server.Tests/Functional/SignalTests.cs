using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Functional;

public sealed class SignalTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly PolicyServiceFactory _factory;

    public SignalTests() => _factory = new PolicyServiceFactory(clock: _clock);

    public void Dispose() => _factory.Dispose();

    private SessionPolicyService.SessionPolicyServiceClient Decisions => new(_factory.Channel);
    private SessionEventsService.SessionEventsServiceClient Events => new(_factory.Channel);

    [Fact]
    public async Task ReportSignal_HighRisk_ChangesTheNextDecisionEvenWhenOneWasCached()
    {
        var before = (await Decisions.DecideAsync(Sample.Human(id: "alice"))).Decision;
        var cached = (await Decisions.DecideAsync(Sample.Human(id: "alice"))).Decision;

        await Events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "alice", RiskScore = 95, Source = "ids", TtlSeconds = 600 });
        var after = (await Decisions.DecideAsync(Sample.Human(id: "alice"))).Decision;

        Assert.Equal((Outcome.Allow, DecisionSource.LocalCache), (cached.Outcome, cached.Source));
        Assert.Equal(before.DecisionId, cached.DecisionId);
        Assert.Equal(Outcome.Deny, after.Outcome);
        Assert.Equal(DecisionSource.Computed, after.Source);
        Assert.Contains(after.Guardrails, g => g.Name == "critical-risk");
    }

    [Fact]
    public async Task ReportSignal_OtherPrincipalsKeepTheirCachedDecisions()
    {
        var first = (await Decisions.DecideAsync(Sample.Human(id: "bob"))).Decision;

        await Events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "alice", RiskScore = 95 });
        var second = (await Decisions.DecideAsync(Sample.Human(id: "bob"))).Decision;

        Assert.Equal((first.DecisionId, DecisionSource.LocalCache), (second.DecisionId, second.Source));
    }

    [Fact]
    public async Task ReportSignal_ExpiresExactlyAtItsTimeToLive()
    {
        await Events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "alice", RiskScore = 95, TtlSeconds = 60 });
        var during = (await Decisions.DecideAsync(Sample.Human(id: "alice"))).Decision;

        _clock.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        var justBefore = (await Decisions.DecideAsync(Sample.Human(id: "alice"))).Decision;
        _clock.Advance(TimeSpan.FromTicks(1));
        var at = (await Decisions.DecideAsync(Sample.Human(id: "alice"))).Decision;

        Assert.Equal(Outcome.Deny, during.Outcome);
        Assert.Equal(Outcome.Deny, justBefore.Outcome);
        Assert.Equal(Outcome.Allow, at.Outcome);
    }

    [Fact]
    public async Task ReportSignal_LowerThanTheRequestsOwnRisk_TheHigherCounts()
    {
        await Events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "alice", RiskScore = 10 });
        var request = Sample.Human(id: "alice");
        request.Context.RiskScore = 95;

        Assert.Equal(Outcome.Deny, (await Decisions.DecideAsync(request)).Decision.Outcome);
    }

    [Theory]
    [InlineData(null, Outcome.Reauthenticate)]
    [InlineData(-1, Outcome.Reauthenticate)]
    [InlineData(0, Outcome.Allow)]
    [InlineData(1, Outcome.Allow)]
    public async Task DisablePrincipal_AsksForReauthenticationUnlessAuthenticatedSince(int? authenticatedSecondsFromRevocation, Outcome expected)
    {
        var revokedAt = _clock.GetUtcNow();
        await Events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "alice", RiskScore = 0, DisablePrincipal = true });
        var request = Sample.Human(id: "alice");
        if (authenticatedSecondsFromRevocation is { } s)
        {
            request.Context.AuthenticatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(revokedAt.AddSeconds(s));
        }

        var decision = (await Decisions.DecideAsync(request)).Decision;

        Assert.Equal(expected, decision.Outcome);
    }

    [Fact]
    public async Task Decide_InvalidAuthenticatedAt_IsInvalidArgument()
    {
        var request = Sample.Human();
        request.Context.AuthenticatedAt = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 1, Nanos = -5 };

        await RpcAssert.InvalidArgumentAsync(() => Decisions.DecideAsync(request).ResponseAsync, "context.authenticated_at");
    }

    public static TheoryData<string, ReportSignalRequest> BadSignals => new()
    {
        { "principal_id", new ReportSignalRequest { RiskScore = 50 } },
        { "principal_id", new ReportSignalRequest { PrincipalId = new string('p', 257), RiskScore = 50 } },
        { "risk_score", new ReportSignalRequest { PrincipalId = "alice", RiskScore = -1 } },
        { "risk_score", new ReportSignalRequest { PrincipalId = "alice", RiskScore = 101 } },
        { "ttl_seconds", new ReportSignalRequest { PrincipalId = "alice", RiskScore = 50, TtlSeconds = -1 } },
        { "ttl_seconds", new ReportSignalRequest { PrincipalId = "alice", RiskScore = 50, TtlSeconds = 31 * 86400 } },
        { "source", new ReportSignalRequest { PrincipalId = "alice", RiskScore = 50, Source = new string('s', 129) } },
        { "detail", new ReportSignalRequest { PrincipalId = "alice", RiskScore = 50, Detail = new string('d', 1025) } },
    };

    [Theory]
    [MemberData(nameof(BadSignals))]
    public async Task ReportSignal_BadField_IsInvalidArgumentAndChangesNothing(string field, ReportSignalRequest signal)
    {
        var before = (await Decisions.DecideAsync(Sample.Human(id: "alice"))).Decision;

        await RpcAssert.InvalidArgumentAsync(() => Events.ReportSignalAsync(signal).ResponseAsync, field);
        var after = (await Decisions.DecideAsync(Sample.Human(id: "alice"))).Decision;

        Assert.Equal((before.DecisionId, DecisionSource.LocalCache), (after.DecisionId, after.Source));
    }
}
