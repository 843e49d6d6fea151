using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>The feed never skips silently: when the log is trimmed past what it read, every live subscriber is ended and told.</summary>
public sealed class FeedGapTests : IDisposable
{
    private readonly TrimmedLog _log = new();
    private readonly PolicyServiceFactory _factory;

    public FeedGapTests() => _factory = new PolicyServiceFactory(Sample.OneHourPolicy, services: s => s.Replace(ServiceDescriptor.Singleton<ISessionStore>(sp =>
        _log.Over(ActivatorUtilities.CreateInstance<InMemorySessionStore>(sp)))));

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task LogTrimmedPastTheFeed_EndsLiveSubscribersWithOutOfRange_InsteadOfSkippingWhatWasTrimmed()
    {
        var events = new SessionEventsService.SessionEventsServiceClient(_factory.Channel);
        await using var live = await LogoutStream.OpenAsync(_factory.Channel, ["app-a"]);
        var first = (await events.RegisterSessionAsync(Helpers.Sessions.Register())).Session.SessionId;
        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = first });
        var heard = await live.NextEventAsync();

        // The next read of the feed finds its position trimmed away (fault injected at the store's edge).
        _log.TrimNextRead();
        var second = (await events.RegisterSessionAsync(Helpers.Sessions.Register(principal: "bob"))).Session.SessionId;
        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = second });
        var ended = await live.EndAsync();

        Assert.Equal([first], heard.Event.SessionIds);
        Assert.Equal(StatusCode.OutOfRange, ended.StatusCode);
        Assert.Contains($"events after cursor {heard.Cursor} may have been lost", ended.Status.Detail);
    }

    [Fact]
    public async Task StoreFailingRightAfterAGap_TheFeedKeepsGoing_AndTheNextSubscriberHearsEverything()
    {
        var events = new SessionEventsService.SessionEventsServiceClient(_factory.Channel);
        await using (var live = await LogoutStream.OpenAsync(_factory.Channel, ["app-a"]))
        {
            // The feed finds a gap, and the store is unavailable when it looks for where the log stands now.
            _log.TrimNextRead(thenFailLatest: true);
            var first = (await events.RegisterSessionAsync(Helpers.Sessions.Register())).Session.SessionId;
            await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = first });
            Assert.Equal(StatusCode.OutOfRange, (await live.EndAsync()).StatusCode);
        }
        // The feed read the log again after it found where it stands: it is past the gap.
        await _log.ReadingAgain.WaitAsync(TimeSpan.FromSeconds(30));

        await using var next = await LogoutStream.OpenAsync(_factory.Channel, ["app-a"]);
        var second = (await events.RegisterSessionAsync(Helpers.Sessions.Register(principal: "bob"))).Session.SessionId;
        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = second });

        Assert.Equal([second], (await next.NextEventAsync()).Event.SessionIds);
    }

    private sealed class TrimmedLog
    {
        private int _trim;
        private int _failLatest;
        private int _recovered;
        private readonly TaskCompletionSource _readingAgain = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void TrimNextRead(bool thenFailLatest = false)
        {
            Interlocked.Exchange(ref _failLatest, thenFailLatest ? 1 : 0);
            Interlocked.Exchange(ref _trim, 1);
        }

        /// <summary>Completes at the first read of the log after where it stands was read again, once failed as asked.</summary>
        public Task ReadingAgain => _readingAgain.Task;

        public ISessionStore Over(ISessionStore inner) => new Store(inner, this);

        private sealed class Store(ISessionStore inner, TrimmedLog log) : DelegatingSessionStore(inner)
        {
            public override ValueTask<LogPage> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken)
            {
                if (Interlocked.Exchange(ref log._trim, 0) == 1) throw new CursorOutOfRangeException($"cursor {afterCursor} is older than the log keeps");
                if (Interlocked.Exchange(ref log._recovered, 0) == 1) log._readingAgain.TrySetResult();
                return base.ReadAsync(afterCursor, max, cancellationToken);
            }

            public override ValueTask<string?> LatestCursorAsync(CancellationToken cancellationToken)
            {
                if (Volatile.Read(ref log._trim) == 0 && Interlocked.Exchange(ref log._failLatest, 0) == 1)
                {
                    Interlocked.Exchange(ref log._recovered, 2);
                    throw new SharedStoreUnavailableException("read the logout log", new TimeoutException());
                }
                // The first read of where the log stands after the failure; the next read of the log comes after it.
                Interlocked.CompareExchange(ref log._recovered, 1, 2);
                return base.LatestCursorAsync(cancellationToken);
            }
        }
    }
}
