using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>A subscriber that stops reading is ended, told where to resume, and holds nothing after (fake clock).</summary>
public sealed class SlowSubscriberTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly PolicyServiceFactory _factory;

    public SlowSubscriberTests() => _factory = new PolicyServiceFactory(Sample.OneHourPolicy, _clock,
        new Dictionary<string, string?> { ["SessionPolicy:Sessions:SubscriberWriteTimeout"] = "00:00:10" });

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task AWriteThatDoesNotComplete_EndsTheStreamAsAborted_WithTheCursorToResumeFrom()
    {
        var events = new SessionEventsService.SessionEventsServiceClient(_factory.Channel);
        var session = (await events.RegisterSessionAsync(Helpers.Sessions.Register())).Session;
        var streamer = _factory.Services.GetRequiredService<LogoutStreamer>();
        var writer = new StuckWriter();
        var streaming = streamer.StreamAsync(new LogoutSubscriptionRequest(["app-a"], "", "", null, false), writer, "subscriber", CancellationToken.None);
        await writer.Opened.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = session.SessionId, Actor = "secops" });
        await writer.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(streaming.IsCompleted, "ended before the write timeout");
        _clock.Advance(TimeSpan.FromSeconds(2));
        var failure = await Assert.ThrowsAsync<ServiceFailure>(() => streaming.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(FailureKind.Aborted, failure.Kind);
        Assert.Equal("SUBSCRIBER_TOO_SLOW", failure.Reason);
        Assert.Equal(writer.FirstCursor, failure.Metadata!["cursor"]);
        Assert.Contains("resume with cursor", failure.Message);
    }

    /// <summary>Takes the opening keepalive, then never completes a write until it is cancelled.</summary>
    private sealed class StuckWriter : IServerStreamWriter<SubscribeLogoutsResponse>
    {
        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string FirstCursor { get; private set; } = "";
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(SubscribeLogoutsResponse message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(SubscribeLogoutsResponse message, CancellationToken cancellationToken)
        {
            if (!Opened.Task.IsCompleted)
            {
                FirstCursor = message.Cursor;
                Opened.SetResult();
                return Task.CompletedTask;
            }
            Blocked.TrySetResult();
            return Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
