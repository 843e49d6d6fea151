using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Functional;

public sealed class UnimplementedTests : IDisposable
{
    private readonly PolicyServiceFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    public static TheoryData<string> Rpcs => ["ForceLogout", "RecordActivity", "RegisterSession", "ListSessions", "SubscribeLogouts"];

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task LaterRpc_IsUnimplementedWithAMessageSayingSo(string rpc)
    {
        var events = new SessionEventsService.SessionEventsServiceClient(_factory.Channel);
        Func<Task> call = rpc switch
        {
            "ForceLogout" => () => events.ForceLogoutAsync(new ForceLogoutRequest()).ResponseAsync,
            "RecordActivity" => () => events.RecordActivityAsync(new RecordActivityRequest()).ResponseAsync,
            "RegisterSession" => () => events.RegisterSessionAsync(new RegisterSessionRequest()).ResponseAsync,
            "ListSessions" => () => events.ListSessionsAsync(new ListSessionsRequest()).ResponseAsync,
            _ => async () =>
            {
                using var stream = events.SubscribeLogouts(new SubscribeLogoutsRequest());
                await stream.ResponseStream.MoveNext(CancellationToken.None);
            },
        };

        var ex = await Assert.ThrowsAsync<RpcException>(call);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains($"{rpc} is not implemented in this release", ex.Status.Detail);
    }
}
