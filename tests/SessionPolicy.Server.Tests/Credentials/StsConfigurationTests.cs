using Grpc.Core;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Credentials;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Credentials;

public sealed class StsConfigurationTests
{
    [Fact]
    public async Task IssueSession_NoStsConfigured_IsFailedPreconditionNamingTheSetting()
    {
        using var factory = new PolicyServiceFactory();
        var client = new SessionCredentialsService.SessionCredentialsServiceClient(factory.Channel);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.IssueSessionAsync(Request()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("SessionPolicy:Sts:Region", ex.Status.Detail);
        Assert.Contains("not configured", ex.Status.Detail);
    }

    [Fact]
    public async Task WrongServiceSecret_IsFailedPreconditionAndNamesNoSecret()
    {
        await using var bed = await StartAsync(secret: "not-the-secret-key-0123456789");

        var ex = await Assert.ThrowsAsync<RpcException>(() => bed.Client.IssueSessionAsync(Request()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains("SignatureDoesNotMatch", ex.Status.Detail);
        Assert.DoesNotContain("not-the-secret-key", ex.Status.Detail);
        Assert.Empty(bed.Sts.Calls);
    }

    [Theory]
    [InlineData("SessionPolicy:Sts:ServiceUrl", "localhost:4566")]
    [InlineData("SessionPolicy:Sts:ServiceUrl", "ftp://sts.example")]
    [InlineData("SessionPolicy:Sts:Region", "Europe")]
    [InlineData("SessionPolicy:Sts:MaxErrorRetry", "11")]
    [InlineData("SessionPolicy:Sts:Timeout", "00:00:00")]
    [InlineData("SessionPolicy:Sts:RoleMaximumRetention", "00:00:01")]
    public void BadSetting_StopsStartWithTheKeyNamed(string key, string value)
    {
        var settings = new Dictionary<string, string?> { ["SessionPolicy:Sts:Region"] = "eu-west-1", [key] = value };
        using var factory = new PolicyServiceFactory(settings: settings);

        var ex = Assert.ThrowsAny<Exception>(() => factory.Server);

        var failure = Find(ex);
        Assert.True(failure is not null, ex.ToString());
        Assert.Contains(key, failure.Message);
    }

    private static OptionsValidationException? Find(Exception? e) => e switch
    {
        null => null,
        OptionsValidationException found => found,
        AggregateException many => many.InnerExceptions.Select(Find).FirstOrDefault(f => f is not null),
        _ => Find(e.InnerException),
    };

    [Fact]
    public void Defaults_AreStandardRetriesAutoChainingAndAnHalfDayOfMemory()
    {
        var options = new StsOptions();

        Assert.False(options.IsConfigured);
        Assert.Equal(Amazon.Runtime.RequestRetryMode.Standard, options.RetryMode);
        Assert.Equal(RoleChainingMode.Auto, options.RoleChaining);
        Assert.Equal(TimeSpan.FromHours(12), options.RoleMaximumRetention);
    }
}
