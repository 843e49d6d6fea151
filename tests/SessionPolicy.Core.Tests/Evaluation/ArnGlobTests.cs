using SessionPolicy.Core.Matching;

namespace SessionPolicy.Core.Tests.Evaluation;

public sealed class ArnGlobTests
{
    [Theory]
    [InlineData("arn:aws:iam::123456789012:role/Admin", "arn:aws:iam::123456789012:role/Admin", true)]
    [InlineData("arn:aws:iam::123456789012:role/Admin", "arn:aws:iam::123456789012:role/Admins", false)]
    [InlineData("arn:aws:iam::*:role/Admin", "arn:aws:iam::123456789012:role/Admin", true)]
    [InlineData("arn:aws:iam::*:role/*Admin*", "arn:aws:iam::123456789012:role/ops/SuperAdminRole", true)]
    [InlineData("arn:aws:iam::*:role/*Admin*", "arn:aws:iam::123456789012:role/admin", true)]
    [InlineData("arn:aws:iam::*:role/*admin*", "arn:aws:iam::123456789012:role/PlatformADMIN", true)]
    [InlineData("arn:aws:iam::123456789012:role/Ops/Deploy", "arn:aws:iam::123456789012:role/ops/deploy", true)]
    [InlineData("arn:aws:iam::*:role/break-glass*", "arn:aws:iam::123456789012:role/Break-Glass-Admin", true)]
    [InlineData("arn:AWS:iam::*:role/x", "arn:aws:iam::123456789012:role/x", false)]
    [InlineData("arn:aws:iam::123456789012:role/X", "arn:aws-cn:iam::123456789012:role/x", false)]
    [InlineData("ARN:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/x", false)]
    [InlineData("arn:aws:iam::*:role/prod-*", "arn:aws:iam::123456789012:role/prod-", true)]
    [InlineData("arn:aws:iam::*:role/prod-*", "arn:aws:iam::123456789012:role/staging-prod-x", false)]
    [InlineData("arn:aws:iam::12345678901?:role/x", "arn:aws:iam::123456789012:role/x", true)]
    [InlineData("arn:aws:iam::12345678901?:role/x", "arn:aws:iam::12345678901:role/x", false)]
    [InlineData("arn:*:iam::*:role/a*b*c", "arn:aws:iam::123456789012:role/aXbYc", true)]
    [InlineData("arn:*:iam::*:role/a*b*c", "arn:aws:iam::123456789012:role/aXcYb", false)]
    [InlineData("arn:*:iam::*:role/a*a", "arn:aws:iam::123456789012:role/a", false)]
    [InlineData("*", "arn:aws:iam::123456789012:role/anything", true)]
    public void IsMatch_FollowsIamWildcards(string pattern, string arn, bool expected) =>
        Assert.Equal(expected, new ArnGlob(pattern).IsMatch(arn));
}
