using Grpc.Health.V1;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Functional;

public sealed class HealthTests : IDisposable
{
    private readonly PolicyServiceFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("liveness")]
    [InlineData("readiness")]
    [InlineData("sessionpolicy.v1.SessionPolicyService")]
    public async Task Check_KnownService_IsServing(string service)
    {
        var client = new global::Grpc.Health.V1.Health.HealthClient(_factory.Channel);

        var response = await client.CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_UnknownService_IsNotFound()
    {
        var client = new global::Grpc.Health.V1.Health.HealthClient(_factory.Channel);

        var ex = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => client.CheckAsync(new HealthCheckRequest { Service = "nope" }).ResponseAsync);

        Assert.Equal(global::Grpc.Core.StatusCode.NotFound, ex.StatusCode);
    }
}
