using System.Net;
using Google.Rpc;
using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Credentials;

/// <summary>Each STS error, as the endpoint sends it over HTTP, reaches the caller as a status it can act on.</summary>
public sealed class StsErrorTests : IAsyncLifetime
{
    private StsTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private async Task<RpcException> IssueFails(IssueSessionRequest? request = null) =>
        await Assert.ThrowsAsync<RpcException>(() => _bed.Client.IssueSessionAsync(request ?? Request()).ResponseAsync);

    [Fact]
    public async Task Throttling_RetriedWithBackoffThenUnavailableWithRetryInfo()
    {
        _bed.Sts.FailNext(new StsError(HttpStatusCode.BadRequest, "Throttling", "Rate exceeded"), times: 2);

        var ex = await IssueFails();

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("throttling", ex.Status.Detail);
        Assert.NotNull(ex.GetRpcStatus()!.GetDetail<RetryInfo>());
        // MaxErrorRetry is 1 in the test bed: the SDK tried twice.
        Assert.Equal(2, _bed.Sts.Calls.Count);
        Assert.All(_bed.Sts.Calls, c => Assert.Equal("Throttling", c.ErrorCode));
    }

    [Fact]
    public async Task Throttling_Once_IsRetriedAndTheSessionIssued()
    {
        _bed.Sts.FailNext(new StsError(HttpStatusCode.BadRequest, "Throttling", "Rate exceeded"));

        var response = await _bed.Client.IssueSessionAsync(Request());

        Assert.NotEmpty(response.Credentials.SessionToken);
        Assert.Equal(["Throttling", null], _bed.Sts.Calls.Select(c => c.ErrorCode));
    }

    [Fact]
    public async Task NetworkFailure_RetriedThenUnavailableWithRetryInfo()
    {
        await _bed.Client.IssueSessionAsync(Request());
        var requests = _bed.Sts.Requests;
        // More than the attempts: HttpClient itself retries once on a reused connection that closes.
        _bed.Sts.DropNext(times: 100);

        var ex = await IssueFails();

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("could not be reached", ex.Status.Detail);
        Assert.NotNull(ex.GetRpcStatus()!.GetDetail<RetryInfo>());
        Assert.True(_bed.Sts.Requests - requests >= 2, "the SDK retried");
        Assert.Single(_bed.Sts.Calls);
    }

    [Fact]
    public async Task MalformedPolicyDocument_IsInvalidArgumentOnInlinePolicy()
    {
        var request = Request();
        request.InlinePolicy = "{ this is not json";

        var ex = await IssueFails(request);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("inline_policy", Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        Assert.Contains("MalformedPolicyDocument", ex.Status.Detail);
    }

    [Fact]
    public async Task PackedPolicyTooLarge_IsInvalidArgumentOnSessionTags()
    {
        _bed.Sts.PackedLimitBytes = 64;
        var request = Request();
        for (var i = 0; i < 20; i++) request.SessionTags.Add($"tag{i}", Guid.NewGuid().ToString("N"));

        var ex = await IssueFails(request);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("session_tags", Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
        Assert.Contains("PackedPolicyTooLarge", ex.Status.Detail);
        Assert.Equal("PackedPolicyTooLarge", Assert.Single(_bed.Sts.Calls).ErrorCode);
    }

    [Fact]
    public async Task RegionDisabled_IsFailedPrecondition()
    {
        _bed.Sts.DisableRegion(Region);

        var ex = await IssueFails();

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Contains($"not activated in region {Region}", ex.Status.Detail);
    }

    [Fact]
    public async Task UnknownRole_IsPermissionDenied()
    {
        var ex = await IssueFails(Request($"arn:aws:iam::{Account}:role/Nobody"));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("trust policy", ex.Status.Detail);
        Assert.Equal("AccessDenied", Assert.Single(_bed.Sts.Calls).ErrorCode);
    }

    [Fact]
    public async Task WrongExternalId_IsPermissionDenied()
    {
        var request = Request(PartnerRole);
        request.Role.MaxSessionSeconds = 7200;
        request.ExternalId = "not-the-partner";

        var ex = await IssueFails(request);

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }

    [Fact]
    public async Task ExpiredServiceCredentials_AreUnavailable()
    {
        _bed.Sts.FailNext(new StsError(HttpStatusCode.BadRequest, "ExpiredTokenException", "The security token included in the request is expired"));

        var ex = await IssueFails();

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("expired", ex.Status.Detail);
    }

    [Fact]
    public async Task OtherValidationError_IsInvalidArgumentWithAFixedMessage()
    {
        _bed.Sts.FailNext(StsError.Validation("1 validation error detected: Value at 'tags' failed to satisfy constraint"));

        var ex = await IssueFails();

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("STS refused the request as invalid", ex.Status.Detail);
        Assert.Contains("STS ValidationError, AWS request id", ex.Status.Detail);
        Assert.DoesNotContain("1 validation error detected", ex.Status.Detail);
        Assert.Single(_bed.Sts.Calls);
    }

    [Fact]
    public async Task ServerError_IsUnavailable()
    {
        _bed.Sts.FailNext(new StsError(HttpStatusCode.InternalServerError, "InternalFailure", "internal failure", "Receiver"), times: 2);

        var ex = await IssueFails();

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }
}
