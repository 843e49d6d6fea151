using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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

    private sealed class TrimmedLog
    {
        private int _trim;

        public void TrimNextRead() => Interlocked.Exchange(ref _trim, 1);

        public ISessionStore Over(ISessionStore inner) => new Store(inner, this);

        private sealed class Store(ISessionStore inner, TrimmedLog log) : DelegatingSessionStore(inner)
        {
            public override ValueTask<LogPage> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken) =>
                Interlocked.Exchange(ref log._trim, 0) == 1
                    ? throw new CursorOutOfRangeException($"cursor {afterCursor} is older than the log keeps")
                    : base.ReadAsync(afterCursor, max, cancellationToken);
        }
    }
}
