using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Sessions;

/// <summary>How the shared store splits sessions into partitions, places them in a cluster's slots and shares the sweeping.</summary>
public sealed class SessionPartitionTests
{
    [Fact]
    public void SlotOf_IsRedisClusterHashing()
    {
        // The Redis Cluster specification's check value: CRC16/XMODEM("123456789") = 0x31C3.
        Assert.Equal(0x31C3 & 16383, RedisKeys.SlotOf("123456789"));
    }

    [Fact]
    public void EachPartition_SitsInItsOwnRangeOfSlots_SoAnyContiguousSplitSpreadsThem()
    {
        var slots = RedisKeys.PartitionTags.Select(RedisKeys.SlotOf).ToList();

        Assert.Equal(RedisKeys.SessionPartitions, slots.Count);
        Assert.All(slots.Select((slot, k) => (slot, k)), p => Assert.Equal(p.k, p.slot / (16384 / RedisKeys.SessionPartitions)));
        // What redis-cli --cluster create gives three masters (0-5460, 5461-10922, 10923-16383): 21 to 22 partitions each.
        var perMaster = slots.GroupBy(s => s <= 5460 ? 0 : s <= 10922 ? 1 : 2).Select(g => g.Count()).ToList();
        Assert.All(perMaster, n => Assert.InRange(n, 21, 22));
    }

    [Fact]
    public void TheLayout_IsPinned_ChangingItStrandsEverySessionStored()
    {
        // A different tag or hash puts every stored session where no replica looks for it: a new layout version, not an edit.
        Assert.Equal(["s:0.13", "s:1.122", "s:63.172"], new[] { RedisKeys.PartitionTags[0], RedisKeys.PartitionTags[1], RedisKeys.PartitionTags[63] });
        Assert.Equal([13, 42, 22], new[] { RedisKeys.PartitionOf("session-1"), RedisKeys.PartitionOf("sso-bob"), RedisKeys.PartitionOf("0193a1b2c3d4e5f6a7b8c9d0e1f2a3b4") });
    }

    [Fact]
    public void SessionIds_SpreadEvenlyOverThePartitions()
    {
        var counts = new int[RedisKeys.SessionPartitions];
        for (var i = 0; i < 64_000; i++) counts[RedisKeys.PartitionOf(Guid.NewGuid().ToString("N"))]++;

        Assert.All(counts, n => Assert.InRange(n, 800, 1200));
    }

    [Fact]
    public void Sweeping_EveryPartitionHasExactlyOneSweeper_AndOneLeavingMovesOnlyItsOwn()
    {
        var random = new Random(15);
        for (var round = 0; round < 300; round++)
        {
            var sweepers = Enumerable.Range(0, random.Next(1, 9)).Select(_ => Guid.NewGuid().ToString("N")).ToList();
            var owned = sweepers.ToDictionary(s => s, s => RedisSessionStore.Owned(s, sweepers));

            Assert.Equal(Enumerable.Range(0, RedisKeys.SessionPartitions), owned.Values.SelectMany(o => o).Order());
            if (sweepers.Count == 1) continue;
            var leaving = sweepers[random.Next(sweepers.Count)];
            var staying = sweepers.Where(s => s != leaving).ToList();
            Assert.All(staying, s => Assert.Superset(owned[s].ToHashSet(), RedisSessionStore.Owned(s, staying).ToHashSet()));
            Assert.Equal(Enumerable.Range(0, RedisKeys.SessionPartitions), staying.SelectMany(s => RedisSessionStore.Owned(s, staying)).Order());
        }
    }

    [Fact]
    public void Sweeping_ASweeperNotYetListed_CountsItself()
    {
        var others = new[] { "a", "b" };

        var owned = RedisSessionStore.Owned("c", others);

        Assert.Equal(Enumerable.Range(0, RedisKeys.SessionPartitions).Except(others.SelectMany(o => RedisSessionStore.Owned(o, [.. others, "c"]))), owned);
    }

    [Fact]
    public void SessionValue_RoundTrips_ForGeneratedSessions()
    {
        var random = new Random(7);
        const string Alphabet = "ab|{}:\"\\é\u2603 1";
        string Text(int max) => new(Enumerable.Range(0, random.Next(0, max)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
        for (var i = 0; i < 500; i++)
        {
            var issued = DateTimeOffset.FromUnixTimeMilliseconds(random.NextInt64(0, 4_000_000_000_000));
            var ended = random.Next(2) == 0;
            var session = new SessionRecord
            {
                Id = Text(40), PrincipalId = Text(30), RoleArn = Text(60), Audiences = [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => Text(10))],
                IssuedAt = issued, ExpiresAt = issued.AddSeconds(random.Next(0, 43_200)), IdleTimeoutSeconds = random.Next(0, 86_400),
                LastActivityAt = issued.AddSeconds(random.Next(0, 100)), Origin = Text(10), DecisionId = Text(32), PolicyVersion = Text(12),
                Request = [.. Enumerable.Range(0, random.Next(0, 200)).Select(_ => (byte)random.Next(256))],
                State = ended ? SessionState.Ended : SessionState.Active, EndedReason = ended ? LogoutReason.Admin : LogoutReason.Unspecified,
                EndedAt = ended ? issued.AddSeconds(5) : null,
            };

            var decoded = RedisSessionValue.Decode(session.Id, RedisSessionValue.Encode(session));

            Assert.NotNull(decoded);
            Assert.Equal(session with { Audiences = decoded.Audiences, Request = decoded.Request }, decoded);
            Assert.Equal(session.Audiences, decoded.Audiences);
            Assert.Equal(session.Request, decoded.Request);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("1|0|0|5|0|5|0|")]
    [InlineData("1|0|0|5|0|5|0|{}")]
    [InlineData("1|0|0|5|0|5|[\"a\"]")]
    [InlineData("1|0|0|x|0|5|0|[\"a\",\"\",[],1,\"\",\"\",\"\"]")]
    [InlineData("1|0|0|5|0|5|-1|[\"a\",\"\",[],1,\"\",\"\",\"\"]")]
    [InlineData("1|0|0|5|0|5|99|[\"a\",\"\",[],1,\"\",\"\",\"\"]")]
    [InlineData("1|0|0|5|99999999999|5|0|[\"a\",\"\",[],1,\"\",\"\",\"\"]")]
    [InlineData("1|0|0|5|0|5|2|[\"a\",\"\",[],1,\"\",\"\",\"\"]")]
    [InlineData("1|0|0|5|0|5|0|[\"a\",\"\",[],1,\"\",\"\",\"\",\"extra\"]")]
    [InlineData("1|0|0|5|0|5|0|[\"a\",\"\",[],1,\"\",\"\",\"\"] ")]
    [InlineData("1|0|0|5|0|5|0|[\"a\",\"\",[1],1,\"\",\"\",\"\"]")]
    public void SessionValue_ThisLayoutDidNotWrite_IsReadAsGone(string value)
    {
        Assert.NotNull(RedisSessionValue.Decode("id", "1|0|0|5|0|5|0|[\"a\",\"\",[],1,\"\",\"\",\"\"]"u8.ToArray()));
        Assert.Null(RedisSessionValue.Decode("id", System.Text.Encoding.UTF8.GetBytes(value)));
    }
}
