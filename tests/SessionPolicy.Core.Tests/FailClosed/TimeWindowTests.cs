using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Tests.Helpers;

namespace SessionPolicy.Core.Tests.FailClosed;

/// <summary>Time windows in a named zone, evaluated at the instant given (the injected clock), across summer-time changes.</summary>
public sealed class TimeWindowTests
{
    // Working hours in Berlin; outside them (nights and weekends) sessions are short.
    private static readonly PolicyEngine Engine = TestPolicies.Engine("""
        version: 1
        defaults: { max_session: 8h, idle_timeout: 15m }
        guardrails:
          - name: after-hours
            when:
              context:
                time:
                  - { zone: Europe/Berlin, days: [mon-fri], from: "18:00", to: "08:00" }
                  - { zone: Europe/Berlin, days: [sat-sun] }
            max_session: 1h
        """);

    private static int MaxAt(string instant) => Engine.Evaluate(Requests.Human(), at: DateTimeOffset.Parse(instant)).MaxSessionSeconds;

    [Theory]
    [InlineData("2026-03-26T07:59:59+01:00", 3600)]  // Thursday, before work
    [InlineData("2026-03-26T08:00:00+01:00", 28800)] // from 08:00 local
    [InlineData("2026-03-26T17:59:59+01:00", 28800)]
    [InlineData("2026-03-26T18:00:00+01:00", 3600)]  // to 18:00 local
    [InlineData("2026-03-28T12:00:00+01:00", 3600)]  // Saturday
    [InlineData("2026-03-30T07:30:00+02:00", 28800)] // Monday 07:30: the night it ends began on Sunday, which the evening window does not list
    [InlineData("2026-03-31T07:30:00+02:00", 3600)]  // Tuesday 07:30: the end of Monday's night
    [InlineData("2026-03-30T08:00:00+02:00", 28800)] // Monday after the change to summer time: 08:00 CEST is 06:00 UTC
    [InlineData("2026-03-30T06:30:00+00:00", 28800)] // 08:30 CEST
    [InlineData("2026-10-26T07:30:00+00:00", 28800)] // after the change back: 08:30 CET
    [InlineData("2026-10-27T06:30:00+00:00", 3600)]  // Tuesday 07:30 CET
    public void Window_FollowsLocalTimeAcrossSummerTime(string instant, int max) => Assert.Equal(max, MaxAt(instant));

    [Fact]
    public void Decision_IsValidUntilTheNextEdgeOfAWindow()
    {
        // Thursday 17:20 local: the next change is 18:00 local.
        var at = DateTimeOffset.Parse("2026-03-26T17:20:30+01:00");

        var d = Engine.Evaluate(Requests.Human(), at: at);

        Assert.Equal(DateTimeOffset.Parse("2026-03-26T18:00:00+01:00"), d.ValidUntil);
    }

    [Fact]
    public void Decision_BeforeTheClockGoesForward_IsValidUntilTheRealInstantOfTheEdge()
    {
        var engine = TestPolicies.Engine("""
            version: 1
            defaults: { max_session: 8h, idle_timeout: 15m }
            guardrails:
              - { name: early, when: { context: { time: { zone: Europe/Berlin, from: "00:00", to: "03:00" } } }, max_session: 1h }
            """);
        // 01:30 CET on the night of the change: at 02:00 CET the clock jumps to 03:00 CEST, the window's end.
        var at = DateTimeOffset.Parse("2026-03-29T01:30:00+01:00");

        var d = engine.Evaluate(Requests.Human(), at: at);

        Assert.Equal(3600, d.MaxSessionSeconds);
        Assert.True(d.ValidUntil <= DateTimeOffset.Parse("2026-03-29T01:00:00+00:00"), $"valid until {d.ValidUntil:O}");
        Assert.Equal(8 * 3600, engine.Evaluate(Requests.Human(), at: DateTimeOffset.Parse("2026-03-29T01:00:00+00:00")).MaxSessionSeconds);
    }

    [Fact]
    public void Policy_WithoutWindows_HasNoValidUntil() => Assert.Null(TestPolicies.Single("1h").Evaluate(Requests.Human()).ValidUntil);
}
