using SessionPolicy.Core.Policies;

namespace SessionPolicy.Core.Tests.Policies;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData("12h", 43200)]
    [InlineData("1h30m", 5400)]
    [InlineData("900s", 900)]
    [InlineData("1d", 86400)]
    [InlineData("0s", 0)]
    public void TryParse_ValidDuration_ReturnsSeconds(string text, int seconds)
    {
        Assert.True(DurationText.TryParse(text, out var parsed));
        Assert.Equal(seconds, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("15")]
    [InlineData("m")]
    [InlineData("1h1h")]
    [InlineData("30m1h")]
    [InlineData("1w")]
    [InlineData("-5m")]
    [InlineData("1.5h")]
    [InlineData("31d")]
    [InlineData("99999999h")]
    public void TryParse_NotADuration_ReturnsFalse(string text) => Assert.False(DurationText.TryParse(text, out _));

    [Theory]
    [InlineData(900, "15m")]
    [InlineData(5400, "1h30m")]
    [InlineData(43201, "12h1s")]
    public void Format_WritesPolicyDurations(int seconds, string text) => Assert.Equal(text, DurationText.Format(seconds));
}
