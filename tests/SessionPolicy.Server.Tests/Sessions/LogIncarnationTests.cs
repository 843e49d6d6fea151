using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Sessions;

/// <summary>An embedded replica's log begins again when it restarts: a cursor from before is refused, never read as a later event.</summary>
public sealed class LogIncarnationTests
{
    [Fact]
    public async Task CursorFromBeforeARestart_IsOutOfRange_SayingTheLogWasRestarted()
    {
        string before;
        using (var first = new PolicyServiceFactory(Sample.OneHourPolicy))
        {
            var id = (await Client(first).RegisterSessionAsync(Register("alice"))).Session.SessionId;
            await Client(first).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
            await using var stream = await LogoutStream.OpenAsync(first.Channel, ["app-a"]);
            before = stream.StartCursor;
        }

        using var restarted = new PolicyServiceFactory(Sample.OneHourPolicy);
        for (var i = 0; i < 3; i++)
        {
            var id = (await Client(restarted).RegisterSessionAsync(Register($"after{i}"))).Session.SessionId;
            await Client(restarted).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        }
        var ex = await Assert.ThrowsAsync<RpcException>(() => LogoutStream.OpenAsync(restarted.Channel, ["app-a"], cursor: before));

        Assert.Equal(StatusCode.OutOfRange, ex.StatusCode);
        Assert.Contains("restarted", ex.Status.Detail);
        Assert.Contains("may have been lost", ex.Status.Detail);
    }
}
