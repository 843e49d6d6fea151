using Grpc.Core;
using Grpc.Net.Client;
using SessionPolicy.Server.Sessions;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// A SubscribeLogouts stream opened by a test: <see cref="OpenAsync"/> returns once the server's first
/// keepalive arrived, so the subscription is listening; <see cref="NextEventAsync"/> skips keepalives.
/// </summary>
public sealed class LogoutStream : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly AsyncServerStreamingCall<SubscribeLogoutsResponse> _call;
    private readonly CancellationTokenSource _cancel = new();

    private LogoutStream(AsyncServerStreamingCall<SubscribeLogoutsResponse> call) => _call = call;

    /// <summary>The cursor of the first keepalive: where the stream started.</summary>
    public string StartCursor { get; private set; } = "";

    public static async Task<LogoutStream> OpenAsync(GrpcChannel channel, string[] audiences, string cursor = "", string principalId = "", string roleArn = "", bool tokens = false)
    {
        var request = new SubscribeLogoutsRequest { Cursor = cursor, PrincipalId = principalId, RoleArn = roleArn, SecurityEventTokens = tokens };
        request.Audiences.Add(audiences);
        var stream = new LogoutStream(new SessionEventsService.SessionEventsServiceClient(channel).SubscribeLogouts(request));
        var first = await stream.NextAsync();
        Assert.True(first.Keepalive, "a stream opens with a keepalive");
        stream.StartCursor = first.Cursor;
        return stream;
    }

    public async Task<SubscribeLogoutsResponse> NextAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
        timeout.CancelAfter(Patience);
        Assert.True(await _call.ResponseStream.MoveNext(timeout.Token), "the stream ended");
        return _call.ResponseStream.Current;
    }

    public async Task<SubscribeLogoutsResponse> NextEventAsync()
    {
        while (true)
        {
            var next = await NextAsync();
            if (!next.Keepalive) return next;
        }
    }

    public async Task<List<LogoutEvent>> EventsAsync(int count)
    {
        var events = new List<LogoutEvent>();
        while (events.Count < count) events.Add((await NextEventAsync()).Event);
        return events;
    }

    /// <summary>How the stream ended: reads until the server closes it and returns the status.</summary>
    public async Task<RpcException> EndAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await _call.ResponseStream.MoveNext(timeout.Token)) { }
        });
    }

    public ValueTask DisposeAsync()
    {
        _cancel.Cancel();
        _call.Dispose();
        _cancel.Dispose();
        return ValueTask.CompletedTask;
    }
}
