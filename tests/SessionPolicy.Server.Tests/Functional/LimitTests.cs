using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Functional;

/// <summary>Per-caller limits answer RESOURCE_EXHAUSTED, as gRPC clients expect, never HTTP 503.</summary>
public sealed class LimitTests
{
    [Fact]
    public async Task RateLimitedCaller_GetsResourceExhaustedWithRetryInfo_AndHealthIsNotLimited()
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?>
        {
            ["SessionPolicy:Limits:Permits"] = "3",
            ["SessionPolicy:Limits:Period"] = "01:00:00",
        });
        var client = new SessionPolicyService.SessionPolicyServiceClient(server.Channel);
        for (var i = 0; i < 3; i++) await client.DecideAsync(Sample.Human());

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.DecideAsync(Sample.Human()).ResponseAsync);
        var health = await new global::Grpc.Health.V1.Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("at most 3 calls per 01:00:00", ex.Status.Detail);
        Assert.NotNull(ex.GetRpcStatus()?.GetDetail<RetryInfo>());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task OversizedMessage_IsResourceExhausted()
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?> { ["SessionPolicy:Limits:MaxMessageBytes"] = "1024" });
        var batch = new DecideBatchRequest();
        for (var i = 0; i < 50; i++) batch.Requests.Add(Sample.Human($"user-{i}"));

        var ex = await Assert.ThrowsAsync<RpcException>(() => new SessionPolicyService.SessionPolicyServiceClient(server.Channel).DecideBatchAsync(batch).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task StreamsPerCaller_AreCapped_AndFreedWhenClosed()
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?> { ["SessionPolicy:Limits:MaxStreamsPerCaller"] = "2" });
        var first = await LogoutStream.OpenAsync(server.Channel, ["app-a"]);
        await using var second = await LogoutStream.OpenAsync(server.Channel, ["app-a"]);

        var ex = await Assert.ThrowsAsync<RpcException>(() => LogoutStream.OpenAsync(server.Channel, ["app-a"]));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("MaxStreamsPerCaller", ex.Status.Detail);

        // Closing one frees its place; the server notices the cancellation and the next stream opens.
        await first.DisposeAsync();
        await using var third = await OpenWhenFreedAsync(server);
        Assert.NotEqual("", third.StartCursor);
    }

    private static async Task<LogoutStream> OpenWhenFreedAsync(PolicyServiceFactory server)
    {
        // The cancellation reaches the server's stream asynchronously: try again until its place is free.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await LogoutStream.OpenAsync(server.Channel, ["app-a"]);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && attempt < 200)
            {
                await Task.Yield();
            }
        }
    }
}
