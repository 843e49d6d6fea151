using System.Net;
using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>What STS, or the way to it, answers on a bad day: bounded retries, codes mapped as AWS sends them, nothing relayed verbatim.</summary>
public sealed class StsFaultTests : IAsyncLifetime
{
    private StsTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private async Task<RpcException> IssueFails() => await Assert.ThrowsAsync<RpcException>(() => _bed.Client.IssueSessionAsync(Request()).ResponseAsync);

    [Theory]
    [InlineData("ExpiredToken")]
    [InlineData("ExpiredTokenException")]
    public async Task ExpiredServiceCredentials_AsRealStsSpellsIt_AreUnavailable(string code)
    {
        // Real STS answers "ExpiredToken" for expired service credentials; the SDK has no exception type for it.
        _bed.Sts.FailNext(new StsError(HttpStatusCode.BadRequest, code, "The security token included in the request is expired"), times: 2);

        var ex = await IssueFails();

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("expired", ex.Status.Detail);
    }

    [Fact]
    public async Task ResetConnections_MakeAtMostMaxErrorRetryPlusOneAttempts()
    {
        await _bed.Client.IssueSessionAsync(Request());
        var before = _bed.Sts.Requests;
        _bed.Sts.DropNext(times: 100);

        var ex = await IssueFails();

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        // The test bed sets MaxErrorRetry to 1.
        Assert.InRange(_bed.Sts.Requests - before, 1, 2);
    }

    public static TheoryData<string, HttpStatusCode> Codes => new()
    {
        { "ValidationError", HttpStatusCode.BadRequest },
        { "AccessDenied", HttpStatusCode.Forbidden },
        { "InternalFailure", HttpStatusCode.InternalServerError },
        { "SomethingNew", HttpStatusCode.BadRequest },
        { "InvalidClientTokenId", HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public async Task AnEchoingEndpoint_PutsNothingOfItsMessageIntoTheCallersError(string code, HttpStatusCode status)
    {
        // An endpoint that echoes the request back puts the service's own secrets in its message.
        const string echoed = "X-Amz-Security-Token: FQoGZXIvYXdzEXAMPLESESSIONTOKEN secret=" + SecretAccessKey;
        _bed.Sts.FailNext(new StsError(status, code, echoed), times: 2);

        var ex = await IssueFails();

        Assert.DoesNotContain("FQoGZXIvYXdz", ex.Status.Detail);
        Assert.DoesNotContain(SecretAccessKey, ex.Status.Detail);
        Assert.DoesNotContain("X-Amz", ex.Status.Detail);
        Assert.NotEqual(StatusCode.Unknown, ex.StatusCode);
        Assert.Matches("AWS request id [0-9a-f-]{36}", ex.Status.Detail);
    }

    [Fact]
    public async Task AnUnknownErrorCode_IsNotRelayedEither()
    {
        _bed.Sts.FailNext(new StsError(HttpStatusCode.BadRequest, "Leaked-" + SecretAccessKey[..10], "whatever"), times: 2);

        var ex = await IssueFails();

        Assert.DoesNotContain(SecretAccessKey[..10], ex.Status.Detail);
    }
}
