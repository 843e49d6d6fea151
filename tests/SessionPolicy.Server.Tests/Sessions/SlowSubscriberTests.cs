using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Sessions;

/// <summary>A subscriber that stops reading never delays the others; its stream ends and it resumes from its cursor.</summary>
public sealed class SlowSubscriberTests : IDisposable
{
    private readonly PolicyServiceFactory _server = new(Sample.OneHourPolicy, settings: new Dictionary<string, string?> { ["SessionPolicy:Sessions:SubscriberBuffer"] = "16" });

    public void Dispose() => _server.Dispose();

    /// <summary>A response stream whose reader stops after the first event, until released.</summary>
    private sealed class StalledWriter : IServerStreamWriter<SubscribeLogoutsResponse>
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly List<SubscribeLogoutsResponse> Written = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(SubscribeLogoutsResponse message, CancellationToken cancellationToken) => WriteAsync(message);

        public async Task WriteAsync(SubscribeLogoutsResponse message)
        {
            Written.Add(message);
            Opened.TrySetResult();
            if (!message.Keepalive) await Release.Task;
        }
    }

    [Fact]
    public async Task SlowSubscriber_DoesNotDelayAFastOne_AndResumesWithoutLoss()
    {
        var client = Client(_server);
        var slow = new StalledWriter();
        // Called below the gRPC edge, so its failure is mapped to a status here as the edge maps it.
        var slowCall = AtTheEdge(_server.Services.GetRequiredService<LogoutStreamer>()
            .StreamAsync(new LogoutSubscriptionRequest(["app-a"], "", "", null, false), slow, "slow-caller", CancellationToken.None));
        await slow.Opened.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await using var fast = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);

        var ended = new List<string>();
        var fastSaw = new List<LogoutEvent>();
        for (var i = 0; i < 100; i++)
        {
            var id = (await client.RegisterSessionAsync(Register(principal: $"p{i}"))).Session.SessionId;
            await client.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
            ended.Add(id);
            // The fast subscriber reads each event as it comes, while the slow one is stalled: the test does not
            // depend on the server outpacing the calls above.
            fastSaw.Add((await fast.NextEventAsync()).Event);
        }
        slow.Release.SetResult();
        var abort = await Assert.ThrowsAsync<RpcException>(() => slowCall);

        Assert.Equal(ended, fastSaw.Select(e => e.SessionIds.Single()));
        Assert.Equal(StatusCode.Aborted, abort.StatusCode);
        var cursor = abort.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Metadata["cursor"];
        var slowSaw = slow.Written.Where(w => !w.Keepalive).Select(w => w.Event).ToList();
        Assert.Equal(slowSaw[^1].Cursor, cursor);
        Assert.InRange(slowSaw.Count, 1, 17);

        await using var resumed = await LogoutStream.OpenAsync(_server.Channel, ["app-a"], cursor: cursor);
        var rest = await resumed.EventsAsync(100 - slowSaw.Count);
        Assert.Equal(ended, slowSaw.Concat(rest).Select(e => e.SessionIds.Single()));
    }

    private static async Task AtTheEdge(Task call)
    {
        try
        {
            await call;
        }
        catch (ServiceFailure failure)
        {
            throw SessionPolicy.Server.Grpc.StatusMapping.ToRpcException(failure);
        }
    }
}
