using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using StackExchange.Redis;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>An upgrade from an earlier key layout (before hash tags; before session partitions) loses nothing a decision or a logout depends on (a real redis-server).</summary>
public sealed class LayoutUpgradeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task KeysOfAnEarlierLayout_AreCarriedOver_SignalsRevocationsSessionsAndTheLog(int layout)
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
        var renamed = await ToEarlierLayoutAsync(redis, prefix, layout);

        using var after = new PolicyServiceFactory(settings: settings);
        var decisions = new SessionPolicyService.SessionPolicyServiceClient(after.Channel);
        var mallory = (await decisions.DecideAsync(Sample.Human(id: "mallory"))).Decision;
        var eve = (await decisions.DecideAsync(Sample.Human(id: "eve"))).Decision;
        var listed = (await Client(after).ListSessionsAsync(new ListSessionsRequest { PrincipalId = "ann" })).Sessions;
        await using var resumed = await LogoutStream.OpenAsync(after.Channel, ["app-a"], cursor: cursor);
        var logout = await Client(after).ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "ann" });
        var heard = (await resumed.NextEventAsync()).Event;

        Assert.True(renamed >= (layout == 1 ? 8 : 6), $"{renamed} keys put in layout {layout}");
        Assert.Equal(Outcome.Deny, mallory.Outcome);
        Assert.Equal(Outcome.Reauthenticate, eve.Outcome);
        Assert.Equal([running], listed.Select(s => s.SessionId));
        Assert.Equal([running], logout.SessionIds);
        Assert.Equal(logout.EventId, heard.EventId);
        Assert.Empty(await EarlierLayoutKeysAsync(redis, prefix));
    }

    /// <summary>Rewrites the keys the current layout wrote in the form an earlier one used, as a deployment of the earlier version left them.</summary>
    private static async Task<int> ToEarlierLayoutAsync(RedisServer redis, string prefix, int layout)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = connection.GetDatabase();
        var sessions = layout == 1 ? "" : "{sessions}:";
        var written = 0;
        await foreach (var key in connection.GetServer(redis.Configuration).KeysAsync(pattern: prefix + "*"))
        {
            var rest = key.ToString()[prefix.Length..];
            var tail = rest.StartsWith("{s:", StringComparison.Ordinal) ? rest[(rest.IndexOf('}') + 2)..] : null;
            string? Earlier(string head, string layout1, string layout2) =>
                tail is not null && tail.StartsWith(head, StringComparison.Ordinal) ? prefix + (layout == 1 ? layout1 : layout2) + tail[head.Length..] : null;
            if (rest == "{log}:logouts") await db.KeyRenameAsync(key, prefix + sessions + "logouts");
            else if (rest == "{log}:epoch") await db.KeyRenameAsync(key, prefix + sessions + "logouts:epoch");
            else if (layout == 1 && rest.StartsWith("{p:", StringComparison.Ordinal) && rest.EndsWith("}:signal", StringComparison.Ordinal)) await db.KeyRenameAsync(key, prefix + "signal:" + rest[3..^8]);
            else if (layout == 1 && rest.StartsWith("{p:", StringComparison.Ordinal) && rest.EndsWith("}:revoked", StringComparison.Ordinal)) await db.KeyRenameAsync(key, prefix + "revoked:" + rest[3..^9]);
            else if (Earlier("session:", "session:", "{sessions}:session:") is { } hash)
            {
                var s = RedisSessionValue.Decode(tail!["session:".Length..], (byte[]?)await db.StringGetAsync(key))!;
                var ttl = await db.KeyTimeToLiveAsync(key);
                await db.HashSetAsync(hash,
                [
                    new("id", s.Id), new("principal", s.PrincipalId), new("role", s.RoleArn), new("aud", System.Text.Json.JsonSerializer.Serialize(s.Audiences)),
                    new("issued", s.IssuedAt.ToUnixTimeMilliseconds()), new("expires", s.ExpiresAt.ToUnixTimeMilliseconds()), new("idle", s.IdleTimeoutSeconds),
                    new("last", s.LastActivityAt.ToUnixTimeMilliseconds()), new("origin", s.Origin), new("decision", s.DecisionId), new("version", s.PolicyVersion),
                    new("request", s.Request), new("state", (int)s.State), new("reason", (int)s.EndedReason), new("ended", s.EndedAt?.ToUnixTimeMilliseconds() ?? 0),
                ]);
                if (ttl is { } t) await db.KeyExpireAsync(hash, t);
                await db.KeyDeleteAsync(key);
            }
            else if (Earlier("principal:", "psessions:", "{sessions}:principal:") is { } principalSet)
            {
                await db.SetAddAsync(principalSet, await db.SortedSetRangeByRankAsync(key));
                await db.KeyDeleteAsync(key);
            }
            else if (Earlier("role:", "rsessions:", "{sessions}:role:") is { } roleSet)
            {
                await db.SetAddAsync(roleSet, await db.SetMembersAsync(key));
                await db.KeyDeleteAsync(key);
            }
            else if ((Earlier("all", "sessions", "{sessions}:all") ?? Earlier("deadlines", "deadlines", "{sessions}:deadlines")) is { } index)
            {
                await db.SortedSetAddAsync(index, await db.SortedSetRangeByRankWithScoresAsync(key));
                await db.KeyDeleteAsync(key);
            }
            else
            {
                if (layout == 1 || !rest.StartsWith("{p:", StringComparison.Ordinal)) await db.KeyDeleteAsync(key);
                continue;
            }
            written++;
        }
        if (layout == 2) await db.StringSetAsync(prefix + "layout", "2");
        return written;
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
