using Microsoft.Extensions.Options;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Unit;

/// <summary>The embedded logout log keeps the newest events and reads from any retained cursor, after it has wrapped.</summary>
public sealed class InMemoryLogTests
{
    private static async Task<InMemorySessionStore> StoreWithEventsAsync(int events)
    {
        var store = new InMemorySessionStore(Options.Create(new SessionLifecycleOptions { EventRetention = 100 }), TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        for (var i = 1; i <= events; i++)
        {
            var id = $"s{i}";
            await store.AddAsync(new SessionRecord
            {
                Id = id, PrincipalId = "p", RoleArn = "", Audiences = ["a"], IssuedAt = now, ExpiresAt = now.AddHours(1), IdleTimeoutSeconds = 0,
                LastActivityAt = now, Origin = "registered", DecisionId = "d", PolicyVersion = "v", Request = [],
            }, default);
            await store.EndAsync(new EndRequest { SessionIds = [id], Reason = LogoutReason.Admin, Actor = "t", At = now }, default);
        }
        return store;
    }

    [Fact]
    public async Task Read_AfterTheLogWrapped_ReturnsTheEventsAfterTheCursorInOrder()
    {
        var store = await StoreWithEventsAsync(250);

        var tail = await store.ReadAsync(await CursorAsync(store, 180), 500, default);
        var page = await store.ReadAsync(await CursorAsync(store, 150), 10, default);
        var fromOldest = await store.ReadAsync(null, 3, default);

        Assert.Equal(Enumerable.Range(181, 70).Select(i => $"s{i}"), tail.Events.Select(e => e.Sessions.Single().Id));
        Assert.False(tail.More);
        Assert.Equal(Enumerable.Range(151, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), page.Events.Select(e => Position(e.Cursor)));
        Assert.True(page.More);
        Assert.Equal(["151", "152", "153"], fromOldest.Events.Select(e => Position(e.Cursor)));
        Assert.Empty((await store.ReadAsync(await CursorAsync(store, 250), 10, default)).Events);
        var tooOld = await CursorAsync(store, 149);
        Assert.Throws<CursorOutOfRangeException>(() => store.ReadAsync(tooOld, 10, default).AsTask().GetAwaiter().GetResult());
        Assert.Empty((await store.ReadAsync(await CursorAsync(store, 150), 0, default)).Events);
    }

    /// <summary>The cursor of event <paramref name="sequence"/> in this store's incarnation of the log.</summary>
    private static async Task<string> CursorAsync(InMemorySessionStore store, int sequence)
    {
        var latest = (await store.LatestCursorAsync(default))!;
        return latest[..(latest.IndexOf('.') + 1)] + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Position(string cursor) => cursor[(cursor.IndexOf('.') + 1)..];
}
