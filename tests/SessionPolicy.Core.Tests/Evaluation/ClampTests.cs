using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Tests.Helpers;

namespace SessionPolicy.Core.Tests.Evaluation;

public sealed class ClampTests
{
    private static readonly PolicyEngine TwelveHours = TestPolicies.Single("12h");

    [Theory]
    [InlineData(899, 900, Constraint.StsMinimum)]
    [InlineData(900, 900, Constraint.Requested)]
    [InlineData(901, 901, Constraint.Requested)]
    [InlineData(1, 900, Constraint.StsMinimum)]
    public void Evaluate_RequestedDuration_StsMinimumBoundary(int requested, int expected, Constraint binding)
    {
        var d = TwelveHours.Evaluate(Requests.Human(requested: requested));

        Assert.Equal(expected, d.MaxSessionSeconds);
        Assert.Equal(binding, d.Binding);
    }

    [Theory]
    [InlineData("899s", 900, Constraint.StsMinimum)]
    [InlineData("900s", 900, Constraint.Profile)]
    [InlineData("901s", 901, Constraint.Profile)]
    public void Evaluate_ShortProfile_RaisedToStsMinimum(string max, int expected, Constraint binding)
    {
        var d = TestPolicies.Single(max, idle: "5m").Evaluate(Requests.Human());

        Assert.Equal(expected, d.MaxSessionSeconds);
        Assert.Equal(binding, d.Binding);
    }

    [Theory]
    [InlineData("3599s", 3599, Constraint.Profile)]
    [InlineData("3600s", 3600, Constraint.Profile)]
    [InlineData("3601s", 3600, Constraint.RoleChaining)]
    [InlineData("12h", 3600, Constraint.RoleChaining)]
    public void Evaluate_RoleChaining_CapsAtOneHour(string max, int expected, Constraint binding)
    {
        var d = TestPolicies.Single(max).Evaluate(Requests.Human(chaining: true));

        Assert.Equal(expected, d.MaxSessionSeconds);
        Assert.Equal(binding, d.Binding);
    }

    [Fact]
    public void Evaluate_NoRoleChaining_LeavesLongSessions() =>
        Assert.Equal(43200, TwelveHours.Evaluate(Requests.Human(chaining: false)).MaxSessionSeconds);

    [Theory]
    [InlineData("43199s", 43199, Constraint.Profile)]
    [InlineData("43200s", 43200, Constraint.Profile)]
    [InlineData("43201s", 43200, Constraint.StsMaximum)]
    [InlineData("24h", 43200, Constraint.StsMaximum)]
    public void Evaluate_LongProfile_CutToStsMaximum(string max, int expected, Constraint binding)
    {
        var d = TestPolicies.Single(max, limits: "limits: { max_session: 2d }").Evaluate(Requests.Service());

        Assert.Equal(expected, d.MaxSessionSeconds);
        Assert.Equal(binding, d.Binding);
    }

    [Theory]
    [InlineData(3600, "3600s", 3600, Constraint.Profile)]
    [InlineData(3600, "3601s", 3600, Constraint.RoleMaximum)]
    [InlineData(43200, "43200s", 43200, Constraint.Profile)]
    [InlineData(7200, "12h", 7200, Constraint.RoleMaximum)]
    [InlineData(0, "12h", 43200, Constraint.Profile)]
    public void Evaluate_RoleMaxSessionDuration_Caps(int roleMax, string max, int expected, Constraint binding)
    {
        var d = TestPolicies.Single(max).Evaluate(Requests.Service(roleMax: roleMax));

        Assert.Equal(expected, d.MaxSessionSeconds);
        Assert.Equal(binding, d.Binding);
    }

    [Theory]
    [InlineData("7200s", 7200, Constraint.Profile)]
    [InlineData("7201s", 7200, Constraint.PolicyMaximum)]
    public void Evaluate_PolicyAbsoluteMaximum_Caps(string max, int expected, Constraint binding)
    {
        var d = TestPolicies.Single(max, limits: "limits: { max_session: 2h }").Evaluate(Requests.Service());

        Assert.Equal(expected, d.MaxSessionSeconds);
        Assert.Equal(binding, d.Binding);
    }

    [Fact]
    public void Evaluate_RequestForMoreThanAllowed_IsClampedNotFailed()
    {
        var d = TestPolicies.Single("1h").Evaluate(Requests.Human(requested: 43200));

        Assert.Equal(3600, d.MaxSessionSeconds);
        Assert.Equal(Constraint.Profile, d.Binding);
        Assert.Equal(Outcome.Allow, d.Outcome);
    }

    [Fact]
    public void Evaluate_ChainingAndRoleMaximumBothAtOneHour_NamesTheFirstThatBound()
    {
        var d = TwelveHours.Evaluate(Requests.Human(chaining: true, roleMax: 3600));

        Assert.Equal(3600, d.MaxSessionSeconds);
        Assert.Equal(Constraint.RoleChaining, d.Binding);
    }

    [Theory]
    [InlineData("45m", "1h", 2700, Constraint.Profile)]
    [InlineData("2h", "1h", 3600, Constraint.PolicyMaximum)]
    [InlineData("none", "1h", 0, Constraint.Profile)]
    public void Evaluate_PolicyIdleMaximum_BoundsIdleTimeouts(string idle, string maxIdle, int expected, Constraint binding)
    {
        var d = TestPolicies.Single("8h", idle: idle, limits: $"limits: {{ max_idle: {maxIdle} }}").Evaluate(Requests.Service());

        Assert.Equal(expected, d.IdleTimeoutSeconds);
        Assert.Equal(binding, d.IdleBinding);
    }

    [Fact]
    public void Evaluate_IdleLongerThanSession_CutToSessionLength()
    {
        var d = TestPolicies.Single("12h", idle: "2h").Evaluate(Requests.Human(chaining: true));

        Assert.Equal(3600, d.MaxSessionSeconds);
        Assert.Equal(3600, d.IdleTimeoutSeconds);
        Assert.Equal(Constraint.SessionLength, d.IdleBinding);
    }
}
