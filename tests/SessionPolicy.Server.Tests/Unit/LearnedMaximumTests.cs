using SessionPolicy.Server.Credentials;

namespace SessionPolicy.Server.Tests.Unit;

public sealed class LearnedMaximumTests
{
    [Theory]
    // AWS's message gives no number: the smallest maximum IAM allows is the retry certain to fit.
    [InlineData("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 43200, 3600)]
    // An endpoint that names the maximum is believed when the number can be one.
    [InlineData("The requested DurationSeconds exceeds the MaxSessionDuration (7200) set for this role.", 43200, 7200)]
    [InlineData("MaxSessionDuration 3600", 7200, 3600)]
    // Numbers that cannot be the maximum are ignored: not below the refused value, not below 3600.
    [InlineData("MaxSessionDuration 43200", 43200, 3600)]
    [InlineData("MaxSessionDuration 1800", 7200, 3600)]
    [InlineData("request 20261125 refused", 7200, 3600)]
    public void LearnedMaximum_FromTheRefusal(string message, int refused, int expected) =>
        Assert.Equal(expected, SessionIssuer.LearnedMaximum(message, refused));
}
