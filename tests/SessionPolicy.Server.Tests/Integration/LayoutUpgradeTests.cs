using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using StackExchange.Redis;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>An upgrade from the key layout before hash tags loses nothing a decision or a logout depends on (a real redis-server).</summary>
public sealed class LayoutUpgradeTests
{
    [Fact]
    public async Task KeysOfTheEarlierLayout_AreCarriedOver_SignalsRevocationsSessionsAndTheLog()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = redis.SharedSettings();
        var prefix = settings["SessionPolicy:Redis:KeyPrefix"]!;
        string running, cursor;
        using (var before = new PolicyServiceFactory(settings: settings))
        {
            var events = Client(before);
            running = (await events.RegisterSessionAsync(Register("ann"))).Session.SessionId;
            var ended = (await events.RegisterSessionAsync(Register("bob"))).Session.SessionId;
            await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = ended });
            await using (var stream = await LogoutStream.OpenAsync(before.Channel, ["app-a"])) cursor = stream.StartCursor;
            await events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "mallory", RiskScore = 95 });
            await events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "eve", DisablePrincipal = true });
        }
        var renamed = await ToEarlierLayoutAsync(redis, prefix);

        using var after = new PolicyServiceFactory(settings: settings);
        var decisions = new SessionPolicyService.SessionPolicyServiceClient(after.Channel);
        var mallory = (await decisions.DecideAsync(Sample.Human(id: "mallory"))).Decision;
        var eve = (await decisions.DecideAsync(Sample.Human(id: "eve"))).Decision;
        var listed = (await Client(after).ListSessionsAsync(new ListSessionsRequest { PrincipalId = "ann" })).Sessions;
        await using var resumed = await LogoutStream.OpenAsync(after.Channel, ["app-a"], cursor: cursor);
        var logout = await Client(after).ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "ann" });
        var heard = (await resumed.NextEventAsync()).Event;

        Assert.True(renamed >= 8, $"{renamed} keys put in the earlier layout");
        Assert.Equal(Outcome.Deny, mallory.Outcome);
        Assert.Equal(Outcome.Reauthenticate, eve.Outcome);
        Assert.Equal([running], listed.Select(s => s.SessionId));
        Assert.Equal([running], logout.SessionIds);
        Assert.Equal(logout.EventId, heard.EventId);
        Assert.Empty(await EarlierLayoutKeysAsync(redis, prefix));
    }

    /// <summary>Renames the keys the current layout wrote to the names the earlier one used, as a deployment of the earlier version left them.</summary>
    private static async Task<int> ToEarlierLayoutAsync(RedisServer redis, string prefix)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = connection.GetDatabase();
        var renamed = 0;
        await foreach (var key in connection.GetServer(redis.Configuration).KeysAsync(pattern: prefix + "*"))
        {
            var rest = key.ToString()[prefix.Length..];
            string? earlier = rest switch
            {
                "{sessions}:all" => "sessions",
                "{sessions}:deadlines" => "deadlines",
                "{sessions}:logouts" => "logouts",
                "{sessions}:logouts:epoch" => "logouts:epoch",
                _ when rest.StartsWith("{sessions}:session:", StringComparison.Ordinal) => "session:" + rest["{sessions}:session:".Length..],
                _ when rest.StartsWith("{sessions}:principal:", StringComparison.Ordinal) => "psessions:" + rest["{sessions}:principal:".Length..],
                _ when rest.StartsWith("{sessions}:role:", StringComparison.Ordinal) => "rsessions:" + rest["{sessions}:role:".Length..],
                _ when rest.StartsWith("{p:", StringComparison.Ordinal) && rest.EndsWith("}:signal", StringComparison.Ordinal) => "signal:" + rest[3..^8],
                _ when rest.StartsWith("{p:", StringComparison.Ordinal) && rest.EndsWith("}:revoked", StringComparison.Ordinal) => "revoked:" + rest[3..^9],
                _ => null,
            };
            if (earlier is not null)
            {
                await db.KeyRenameAsync(key, prefix + earlier);
                renamed++;
            }
            else if (rest == "layout" || rest.StartsWith("{p:", StringComparison.Ordinal)) await db.KeyDeleteAsync(key);
        }
        return renamed;
    }

    private static async Task<List<string>> EarlierLayoutKeysAsync(RedisServer redis, string prefix)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var keys = new RedisKeys(prefix);
        var found = new List<string>();
        await foreach (var key in connection.GetServer(redis.Configuration).KeysAsync(pattern: prefix + "*"))
        {
            if (keys.FromEarlierLayout(key.ToString()) is not null) found.Add(key.ToString());
        }
        return found;
    }
}
