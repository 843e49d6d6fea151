using Grpc.Core;
using System.Diagnostics.Metrics;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.Server.Tests.Stores;
using SessionPolicy.V1;
using StackExchange.Redis;
using HealthStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace SessionPolicy.Server.Tests.Integration;

/// <summary>Two replicas sharing one real Redis (a server or a cluster), each test under its own key prefix.</summary>
public abstract class SharedModeContract : IAsyncLifetime
{
    private protected IRedisTarget _redis = null!;
    private protected PolicyServiceFactory _a = null!;
    private protected PolicyServiceFactory _b = null!;
    private protected Dictionary<string, string?> _settings = null!;

    /// <summary>The Redis of this test.</summary>
    private protected abstract Task<IRedisTarget> RedisAsync();

    public async Task InitializeAsync()
    {
        _redis = await RedisAsync();
        _settings = _redis.SharedSettings();
        _a = new PolicyServiceFactory(settings: _settings);
        _b = new PolicyServiceFactory(settings: _settings);
        await Health(_a, "redis");
        await Health(_b, "redis");
    }

    public virtual Task DisposeAsync()
    {
        _a.Dispose();
        _b.Dispose();
        return Task.CompletedTask;
    }

    private protected static SessionPolicyService.SessionPolicyServiceClient Client(PolicyServiceFactory f) => new(f.Channel);

    private protected static async Task<HealthStatus> Health(PolicyServiceFactory f, string service) =>
        (await new global::Grpc.Health.V1.Health.HealthClient(f.Channel).CheckAsync(new HealthCheckRequest { Service = service })).Status;

    [Fact]
    public async Task Decide_OnTwoReplicas_SecondServesTheFirstsDecisionFromTheSharedCache()
    {
        var onA = (await Client(_a).DecideAsync(Sample.Human(id: "carol"))).Decision;
        var onB = (await Client(_b).DecideAsync(Sample.Human(id: "carol"))).Decision;
        var againOnB = (await Client(_b).DecideAsync(Sample.Human(id: "carol"))).Decision;

        Assert.Equal(DecisionSource.Computed, onA.Source);
        Assert.False(onA.Degraded);
        Assert.Equal((onA.DecisionId, DecisionSource.SharedCache), (onB.DecisionId, onB.Source));
        Assert.Equal((onA.DecisionId, DecisionSource.LocalCache), (againOnB.DecisionId, againOnB.Source));
    }

    [Fact]
    public async Task ReportSignal_OnOneReplica_DropsTheOtherReplicasCachedDecision()
    {
        var onB = (await Client(_b).DecideAsync(Sample.Human(id: "grace"))).Decision;
        var heard = ReplicaEvents.Heard(_b, "grace");

        await new SessionEventsService.SessionEventsServiceClient(_a.Channel).ReportSignalAsync(new ReportSignalRequest { PrincipalId = "grace", RiskScore = 95 });
        await heard.WaitAsync(TimeSpan.FromSeconds(30));
        var afterOnB = (await Client(_b).DecideAsync(Sample.Human(id: "grace"))).Decision;

        Assert.Equal(Outcome.Allow, onB.Outcome);
        Assert.Equal(Outcome.Deny, afterOnB.Outcome);
        Assert.NotEqual(DecisionSource.LocalCache, afterOnB.Source);
    }

    [Fact]
    public async Task DisablePrincipal_OnOneReplica_OtherReplicaAsksForReauthentication()
    {
        var onB = (await Client(_b).DecideAsync(Sample.Human(id: "mallory"))).Decision;
        var heard = ReplicaEvents.Heard(_b, "mallory");

        await new SessionEventsService.SessionEventsServiceClient(_a.Channel).ReportSignalAsync(new ReportSignalRequest { PrincipalId = "mallory", DisablePrincipal = true });
        await heard.WaitAsync(TimeSpan.FromSeconds(30));
        var afterOnB = (await Client(_b).DecideAsync(Sample.Human(id: "mallory"))).Decision;

        Assert.Equal(Outcome.Allow, onB.Outcome);
        Assert.Equal(Outcome.Reauthenticate, afterOnB.Outcome);
    }

    [Fact]
    public async Task PolicyChangedOnBothReplicasFiles_OneVersionAndNoOldDecisionAnywhere()
    {
        var settings = new Dictionary<string, string?> { ["SessionPolicy:Redis:Configuration"] = _redis.Configuration, ["SessionPolicy:Redis:KeyPrefix"] = $"test:{Guid.NewGuid():N}:" };
        using var one = new PolicyServiceFactory(Sample.OneHourPolicy, settings: settings);
        using var two = new PolicyServiceFactory(Sample.OneHourPolicy, settings: settings);
        var before = (await Client(one).DecideAsync(Sample.Human(id: "olga"))).Decision;
        var changed = Task.WhenAll(Changed(one), Changed(two));

        foreach (var f in new[] { one, two })
        {
            await File.WriteAllTextAsync(f.PolicyPath + ".tmp", Sample.TwoHourPolicy);
            File.Move(f.PolicyPath + ".tmp", f.PolicyPath!, overwrite: true);
        }
        await changed.WaitAsync(TimeSpan.FromSeconds(30));
        var onOne = (await Client(one).DecideAsync(Sample.Human(id: "olga"))).Decision;
        var onTwo = (await Client(two).DecideAsync(Sample.Human(id: "olga"))).Decision;

        Assert.Equal(3600, before.MaxSessionSeconds);
        Assert.Equal(onOne.PolicyVersion, onTwo.PolicyVersion);
        Assert.NotEqual(before.PolicyVersion, onOne.PolicyVersion);
        Assert.Equal((7200, 7200), (onOne.MaxSessionSeconds, onTwo.MaxSessionSeconds));
        Assert.Equal((onOne.DecisionId, DecisionSource.SharedCache), (onTwo.DecisionId, onTwo.Source));
    }

    private static Task Changed(PolicyServiceFactory f)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var version = Core.Policies.PolicyParser.ComputeVersion(System.Text.Encoding.UTF8.GetBytes(Sample.TwoHourPolicy));
        f.Services.GetRequiredService<SessionPolicy.Server.Policies.PolicyStore>().Changed += s =>
        {
            if (s.Version == version) tcs.TrySetResult();
        };
        return tcs.Task;
    }

    [Fact]
    public async Task L1Miss_ServedFromTheSharedCache_CostsOneRedisRoundTrip()
    {
        await Client(_a).DecideAsync(Sample.Human(id: "kim"));
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{_redis.Configuration},allowAdmin=true");
        var servers = admin.GetServers().Where(s => !s.IsReplica).ToList();
        var before = await CommandCallsAsync(servers);

        var onB = (await Client(_b).DecideAsync(Sample.Human(id: "kim"))).Decision;
        var after = await CommandCallsAsync(servers);

        Assert.Equal(DecisionSource.SharedCache, onB.Source);
        // The data commands Redis ran meanwhile (on every node): one lookup, no other read or write.
        Assert.Equal(1, after.GetValueOrDefault("cmdstat_mget") - before.GetValueOrDefault("cmdstat_mget"));
        Assert.Equal(before.Where(p => p.Key != "cmdstat_mget" && IsData(p.Key)), after.Where(p => p.Key != "cmdstat_mget" && IsData(p.Key)));
    }

    private static bool IsData(string command) => command is "cmdstat_get" or "cmdstat_set" or "cmdstat_setex" or "cmdstat_publish";

    private static async Task<Dictionary<string, long>> CommandCallsAsync(IEnumerable<IServer> servers)
    {
        var calls = new Dictionary<string, long>();
        foreach (var server in servers)
        {
            var info = await server.InfoAsync("commandstats");
            foreach (var p in info.SelectMany(g => g).Where(p => p.Key.StartsWith("cmdstat_", StringComparison.Ordinal)))
            {
                calls[p.Key] = calls.GetValueOrDefault(p.Key) + long.Parse(p.Value.Split(',')[0].Split('=')[1]);
            }
        }
        return calls;
    }
}

/// <summary>The shared mode on one real redis-server per test, with what only a server of one's own allows: stopping and pausing it.</summary>
public sealed class SharedModeTests : SharedModeContract
{
    private RedisServer Server => (RedisServer)_redis;

    private protected override async Task<IRedisTarget> RedisAsync() => await RedisServer.StartAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Server.DisposeAsync();
    }

    [Fact]
    public async Task RedisStopped_DecisionsKeepFlowingDegraded_AndResumeSharedWhenItIsBack()
    {
        Assert.Equal(HealthStatus.Serving, await Health(_a, "redis"));
        var restored = Task.WhenAll(ReplicaEvents.Restored(_a), ReplicaEvents.Restored(_b));
        using var degradedCount = new MetricCollector<long>(_a.Services.GetRequiredService<IMeterFactory>(), "SessionPolicy.Server", "sessionpolicy.decisions.degraded");
        await Client(_a).DecideAsync(Sample.Human(id: "zoe"));

        await Server.StopAsync();
        var during = (await Client(_a).DecideAsync(Sample.Human(id: "dave"))).Decision;
        var cachedDuring = (await Client(_a).DecideAsync(Sample.Human(id: "zoe"))).Decision;
        var redisHealth = await Health(_a, "redis");
        var liveness = await Health(_a, "liveness");
        var readiness = await Health(_a, "readiness");

        await Server.RestartAsync();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));
        var after = (await Client(_a).DecideAsync(Sample.Human(id: "erin"))).Decision;
        var afterOnB = (await Client(_b).DecideAsync(Sample.Human(id: "erin"))).Decision;
        var cachedAfter = (await Client(_a).DecideAsync(Sample.Human(id: "zoe"))).Decision;

        Assert.True(during.Degraded);
        Assert.Equal(1, degradedCount.GetMeasurementSnapshot().Sum(m => m.Value));
        // Best effort during the outage: this replica's cache keeps answering.
        Assert.Equal(DecisionSource.LocalCache, cachedDuring.Source);
        // After the reconnect it was emptied, since invalidations may have been missed meanwhile.
        Assert.NotEqual(DecisionSource.LocalCache, cachedAfter.Source);
        Assert.Equal(DecisionSource.Computed, during.Source);
        Assert.Equal("workforce-human", during.Profile);
        Assert.Equal(HealthStatus.NotServing, redisHealth);
        Assert.Equal(HealthStatus.Serving, liveness);
        Assert.Equal(HealthStatus.Serving, readiness);
        Assert.False(after.Degraded);
        Assert.Equal((after.DecisionId, DecisionSource.SharedCache), (afterOnB.DecisionId, afterOnB.Source));
    }

    [Fact]
    public async Task RedisAnsweringSlowly_DecisionIsMadeLocallyWithinTheBudget()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{_redis.Configuration},allowAdmin=true");
        // Awaited: once Redis has answered, it holds every other client's commands for 4 s, so the decision's
        // lookup cannot reach Redis first (a DEBUG SLEEP sent without waiting could arrive after it).
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "4000", "ALL");

        var decision = (await Client(_a).DecideAsync(Sample.Human(id: "frank"))).Decision;

        // Redis held commands for 4 s; only the operation budget (1 s) ending the wait explains a degraded answer.
        Assert.True(decision.Degraded);
        Assert.Equal("workforce-human", decision.Profile);
    }

    [Fact]
    public async Task ReportSignal_WithRedisDown_IsUnavailableRatherThanPretending()
    {
        await Server.StopAsync();

        var ex = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() =>
            new SessionEventsService.SessionEventsServiceClient(_a.Channel).ReportSignalAsync(new ReportSignalRequest { PrincipalId = "heidi", RiskScore = 95 }).ResponseAsync);

        Assert.Equal(global::Grpc.Core.StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task StrictPolicy_WithRedisDown_AsksEveryoneToReauthenticate()
    {
        using var strict = new PolicyServiceFactory(
            "version: 1\nshared_state: strict\ndefaults: { max_session: 1h, idle_timeout: 15m }\n",
            settings: new Dictionary<string, string?> { ["SessionPolicy:Redis:Configuration"] = _redis.Configuration, ["SessionPolicy:Redis:KeyPrefix"] = $"test:{Guid.NewGuid():N}:" });
        var up = (await Client(strict).DecideAsync(Sample.Human(id: "ivan"))).Decision;

        await Server.StopAsync();
        var down = (await Client(strict).DecideAsync(Sample.Human(id: "judy"))).Decision;

        Assert.Equal(Outcome.Allow, up.Outcome);
        Assert.True(down.Degraded);
        Assert.Equal(Outcome.Reauthenticate, down.Outcome);
    }

    [Fact]
    public async Task SamePolicyFileOnTwoReplicas_HasOneVersion()
    {
        const string yaml = "version: 1\ndefaults: { max_session: 2h, idle_timeout: 10m }\n";
        using var one = new PolicyServiceFactory(yaml);
        using var two = new PolicyServiceFactory(yaml);

        var first = await Client(one).GetPolicyInfoAsync(new GetPolicyInfoRequest());
        var second = await Client(two).GetPolicyInfoAsync(new GetPolicyInfoRequest());

        Assert.Equal(first.Version, second.Version);
        Assert.NotEqual(first.Source, second.Source);
    }
}

/// <summary>The shared mode on a three-master Redis Cluster: what works on one Redis works there, with a principal's keys on one node and principals spread.</summary>
[Collection(SharedCluster.Collection)]
public sealed class ClusterSharedModeTests(SharedCluster shared) : SharedModeContract
{
    private protected override Task<IRedisTarget> RedisAsync() => Task.FromResult<IRedisTarget>(shared.Cluster);

    [Fact]
    public async Task Decisions_SpreadOverNodesByPrincipal_EachPrincipalsKeysOnOneNode()
    {
        var principals = Enumerable.Range(0, 12).Select(i => $"spread-{i}").ToList();
        foreach (var p in principals)
        {
            await Client(_a).DecideAsync(Sample.Human(id: p));
            await new SessionEventsService.SessionEventsServiceClient(_a.Channel).ReportSignalAsync(new ReportSignalRequest { PrincipalId = p, RiskScore = 10 });
        }

        var prefix = _settings["SessionPolicy:Redis:KeyPrefix"]!;
        var nodeOfKey = new Dictionary<string, int>();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(shared.Cluster.Configuration);
        foreach (var (server, index) in shared.Cluster.Nodes.Select((n, i) => (connection.GetServer(n.Configuration), i)))
        {
            await foreach (var key in server.KeysAsync(pattern: prefix + "*")) nodeOfKey[key.ToString()] = index;
        }
        var nodesOfPrincipal = principals.ToDictionary(p => p, p => nodeOfKey.Where(k => k.Key.Contains("{p:" + p + "}", StringComparison.Ordinal)).ToList());

        // Each principal has its signal and its decision in Redis, both on one node; the principals are on more than one.
        Assert.All(nodesOfPrincipal, p => Assert.True(p.Value.Count >= 2, $"{p.Key}: {p.Value.Count} keys"));
        Assert.All(nodesOfPrincipal, p => Assert.Single(p.Value.Select(k => k.Value).Distinct()));
        Assert.True(nodesOfPrincipal.Select(p => p.Value[0].Value).Distinct().Count() >= 2, "every principal landed on one node");
    }

    [Fact]
    public async Task Sessions_SpreadOverEveryMaster_EachWithItsIndexesOnOneNode()
    {
        var events = new SessionEventsService.SessionEventsServiceClient(_a.Channel);
        var ids = new List<string>();
        for (var i = 0; i < 30; i++) ids.Add((await events.RegisterSessionAsync(Helpers.Sessions.Register($"spread-{i % 3}", id: $"spread-session-{i}"))).Session.SessionId);

        var prefix = _settings["SessionPolicy:Redis:KeyPrefix"]!;
        var keys = new RedisKeys(prefix);
        var nodeOfKey = new Dictionary<string, int>();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(shared.Cluster.Configuration);
        foreach (var (server, index) in shared.Cluster.Nodes.Select((n, i) => (connection.GetServer(n.Configuration), i)))
        {
            await foreach (var key in server.KeysAsync(pattern: prefix + "*")) nodeOfKey[key.ToString()] = index;
        }
        var listed = (await events.ListSessionsAsync(new ListSessionsRequest { PrincipalId = "spread-1", PageSize = 100 })).Sessions;

        // Each session and the indexes of its partition on one node; the sessions on every master.
        Assert.All(ids, id => Assert.Equal(nodeOfKey[keys.Session(id).ToString()], nodeOfKey[keys.Deadlines(RedisKeys.PartitionOf(id)).ToString()]));
        Assert.Equal(3, ids.Select(id => nodeOfKey[keys.Session(id).ToString()]).Distinct().Count());
        Assert.Equal(ids.Where((_, i) => i % 3 == 1).Order(StringComparer.Ordinal), listed.Select(l => l.SessionId));
    }

    [Fact]
    public async Task WaitForReplicas_OnMastersWithoutReplicas_IsUnavailable_NeverASuccessItCannotKeep()
    {
        // The cluster has no replicas: whichever node holds a principal's keys or the log, no replica confirms.
        var settings = shared.Cluster.SharedSettings();
        settings["SessionPolicy:Redis:WaitForReplicas"] = "1";
        settings["SessionPolicy:Redis:WaitTimeout"] = "00:00:00.010";
        using var factory = new PolicyServiceFactory(settings: settings);
        var events = new SessionEventsService.SessionEventsServiceClient(factory.Channel);

        var failures = new List<RpcException>();
        foreach (var p in Enumerable.Range(0, 6).Select(i => $"waiting-{i}"))
        {
            failures.Add(await Assert.ThrowsAsync<RpcException>(() => events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = p, RiskScore = 10 }).ResponseAsync));
        }
        failures.Add(await Assert.ThrowsAsync<RpcException>(() => events.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "waiting-0" }).ResponseAsync));

        Assert.All(failures, e => Assert.Equal(StatusCode.Unavailable, e.StatusCode));
        Assert.All(failures, e => Assert.Contains("is recorded, but 0 of the 1 replicas required confirmed it", e.Status.Detail));
    }

    [Fact]
    public async Task SlotsMovedWhileCallsRun_NoCallFailsAndNoDecisionIsDegraded()
    {
        // A cluster of its own: this test moves slots.
        await using var own = await OwnCluster.StartAsync();
        var (cluster, replica, keys) = (own.Cluster, own.Replica, own.Keys);
        var events = new SessionEventsService.SessionEventsServiceClient(replica.Channel);
        await events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "mover", RiskScore = 10 });
        // Every session of the test in one partition, whose slot is moved while they are registered, touched and ended.
        var partition = RedisKeys.PartitionOf("mover");
        var ids = Enumerable.Range(0, int.MaxValue).Select(i => $"mover-{i}").Where(id => RedisKeys.PartitionOf(id) == partition).GetEnumerator();
        string NextId()
        {
            lock (ids)
            {
                ids.MoveNext();
                return ids.Current;
            }
        }
        for (var i = 0; i < 20; i++)
        {
            await events.RegisterSessionAsync(Helpers.Sessions.Register("mover", id: NextId()));
            await Client(replica).DecideAsync(Sample.Human(id: "mover", environment: $"env-{i}"));
        }
        var round = 0;
        var degraded = 0;
        var calls = new List<Task>();
        async Task CallsAsync(int r)
        {
            var decision = (await Client(replica).DecideAsync(Sample.Human(id: "mover", environment: $"during-{r}"))).Decision;
            if (decision.Degraded) Interlocked.Increment(ref degraded);
            var id = (await events.RegisterSessionAsync(Helpers.Sessions.Register("mover", id: NextId()))).Session.SessionId;
            await events.RecordActivityAsync(Helpers.Sessions.Activity(id));
            await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
            await events.ListSessionsAsync(new ListSessionsRequest { PrincipalId = "mover" });
        }
        // After each key moved (the slot split between two nodes), a round of every kind of call starts; the move goes
        // on once Redis has refused one of them for the split (TRYAGAIN) or the round is done.
        async Task SplitAsync()
        {
            var refused = await cluster.TryAgainCountAsync();
            var running = CallsAsync(++round);
            calls.Add(running);
            while (!running.IsCompleted && await cluster.TryAgainCountAsync() == refused) await Task.Yield();
        }

        var registryFrom = await cluster.NodeOfAsync(keys.Deadlines(partition));
        var registryMoved = await cluster.MoveSlotAsync(keys.Deadlines(partition), (registryFrom + 1) % 3, SplitAsync);
        var principalFrom = await cluster.NodeOfAsync(keys.Signal("mover"));
        var principalMoved = await cluster.MoveSlotAsync(keys.Signal("mover"), (principalFrom + 1) % 3, SplitAsync);
        await Task.WhenAll(calls);
        await events.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "mover" });

        Assert.True(await cluster.TryAgainCountAsync() > 0, "no call met a split slot");
        Assert.True(registryMoved >= 20 && principalMoved >= 20, $"moved {registryMoved} and {principalMoved} keys");
        Assert.Equal(0, degraded);
        Assert.Equal((registryFrom + 1) % 3, await cluster.NodeOfAsync(keys.Deadlines(partition)));
        Assert.Equal((principalFrom + 1) % 3, await cluster.NodeOfAsync(keys.Signal("mover")));
        Assert.Equal(Outcome.Allow, (await Client(replica).DecideAsync(Sample.Human(id: "mover"))).Decision.Outcome);
    }

    [Fact]
    public async Task NodeDownWithoutReplica_ItsPrincipalsAndSessionsDegrade_OthersAndTheLogKeepWorking()
    {
        // A cluster of its own: this test stops a node (the cluster keeps serving the slots it still has: cluster-require-full-coverage no).
        await using var own = await OwnCluster.StartAsync();
        var (cluster, replica, keys) = (own.Cluster, own.Replica, own.Keys);
        var log = await cluster.NodeOfAsync(keys.LogoutLog);
        var down = (log + 1) % 3;
        var principals = Enumerable.Range(0, 40).Select(i => $"node-{i}").ToList();
        var nodes = new Dictionary<string, int>();
        foreach (var p in principals) nodes[p] = await cluster.NodeOfAsync(keys.Signal(p));
        var lost = principals.First(p => nodes[p] == down);
        var kept = principals.First(p => nodes[p] != down);
        var events = new SessionEventsService.SessionEventsServiceClient(replica.Channel);

        // Sessions live in the partition of their id: one whose partition is on a live node, one on the node down.
        async Task<string> IdAsync(bool onDownNode)
        {
            for (var i = 0; ; i++)
            {
                if ((await cluster.NodeOfAsync(keys.Session($"{kept}-{i}")) == down) == onDownNode) return $"{kept}-{i}";
            }
        }
        var onLiveNode = await IdAsync(onDownNode: false);
        var onDownNode = await IdAsync(onDownNode: true);

        await cluster.Nodes[down].StopAsync();
        var onLost = (await Client(replica).DecideAsync(Sample.Human(id: lost))).Decision;
        var onKept = (await Client(replica).DecideAsync(Sample.Human(id: kept))).Decision;
        var session = (await events.RegisterSessionAsync(Helpers.Sessions.Register(kept, id: onLiveNode))).Session.SessionId;
        var refused = await Assert.ThrowsAsync<RpcException>(() => events.RegisterSessionAsync(Helpers.Sessions.Register(kept, id: onDownNode)).ResponseAsync);
        var logout = await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = session });

        Assert.True(onLost.Degraded);
        Assert.False(onKept.Degraded);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal([session], logout.SessionIds);
    }

    [Fact]
    public async Task Health_ReadsThroughTheLayout_UnhealthyWhenTheNodeOfTheLogIsDown()
    {
        // A cluster of its own: this test stops a node.
        await using var own = await OwnCluster.StartAsync(connectTimeout: "00:00:00.500");
        var (cluster, replica, keys) = (own.Cluster, own.Replica, own.Keys);
        Assert.Equal(HealthStatus.Serving, await Health(replica, "redis"));
        var logNode = await cluster.NodeOfAsync(keys.LogoutLog);

        await cluster.Nodes[logNode].StopAsync();

        // Another node still answers a ping; the store does not work for the service, and health says so.
        Assert.Equal(HealthStatus.NotServing, await Health(replica, "redis"));
    }

    [Fact]
    public async Task MasterKilled_ItsReplicaTakesOver_TheServiceFollows_AndLogoutsTheReplicaConfirmedAreKept()
    {
        await using var own = await OwnCluster.StartAsync(replicas: 1, waitTimeout: "00:00:05");
        var (cluster, service, keys) = (own.Cluster, own.Replica, own.Keys);
        var events = new SessionEventsService.SessionEventsServiceClient(service.Channel);
        string cursor;
        await using (var stream = await LogoutStream.OpenAsync(service.Channel, ["app-a"])) cursor = stream.StartCursor;
        var ended = (await events.RegisterSessionAsync(Helpers.Sessions.Register("ann"))).Session.SessionId;
        var running = (await events.RegisterSessionAsync(Helpers.Sessions.Register("bob"))).Session.SessionId;
        var logout = await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = ended });

        // The master of the log dies; the cluster promotes its replica (node timeout 2 s).
        await cluster.Nodes[await cluster.NodeOfAsync(keys.LogoutLog)].StopAsync();
        var listed = await UntilAnsweredAsync(() => events.ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
        await using var resumed = await LogoutStream.OpenAsync(service.Channel, ["app-a"], cursor: cursor);
        var heard = (await resumed.NextEventAsync()).Event;
        var decided = (await Client(service).DecideAsync(Sample.Human(id: "carol"))).Decision;
        // The promoted master has no replica of its own: a logout now cannot be confirmed, and says so.
        var unconfirmed = await Assert.ThrowsAsync<RpcException>(() => events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = running }).ResponseAsync);

        Assert.Equal(SessionState.Ended, listed.Sessions.Single(x => x.SessionId == ended).State);
        Assert.Equal(SessionState.Active, listed.Sessions.Single(x => x.SessionId == running).State);
        Assert.Equal(logout.EventId, heard.EventId);
        Assert.False(decided.Degraded);
        Assert.Equal(StatusCode.Unavailable, unconfirmed.StatusCode);
        Assert.Contains("0 of the 1 replicas required", unconfirmed.Status.Detail);
    }

    [Fact]
    public async Task WaitForReplicas_WaitsForTheReplicaOfTheNodeHoldingTheWrites_AndOnlyThat()
    {
        await using var own = await OwnCluster.StartAsync(replicas: 1, waitTimeout: "00:00:30");
        var (cluster, service, keys) = (own.Cluster, own.Replica, own.Keys);
        var events = new SessionEventsService.SessionEventsServiceClient(service.Channel);
        // A principal on a master other than the log's (a signal also confirms the endings, on the log's master and
        // those of the principal's sessions: it has none), and one on the log's master.
        var registry = await cluster.NodeOfAsync(keys.LogoutLog);
        var nodes = new Dictionary<int, string>();
        for (var i = 0; nodes.Count < 3; i++) nodes.TryAdd(await cluster.NodeOfAsync(keys.Signal($"p{i}")), $"p{i}");
        var (frozenNode, frozen) = nodes.First(n => n.Key != registry);
        var other = nodes[registry];
        var replica = cluster.Nodes[await cluster.ReplicaOfAsync(frozenNode)];

        replica.Freeze();
        var waiting = events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = frozen, RiskScore = 90 }).ResponseAsync;
        await events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = other, RiskScore = 90 });
        var waitedWhileFrozen = !waiting.IsCompleted;
        replica.Thaw();
        await waiting;

        Assert.True(waitedWhileFrozen, "the signal was confirmed while the replica of its node was frozen");
    }

    /// <summary>The call's answer once the service answers it (it may be UNAVAILABLE while the cluster fails over), within 30 s.</summary>
    private static async Task<T> UntilAnsweredAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A cluster of a test's own (one that moves slots or stops nodes), a replica on it, and the replica's key layout.</summary>
    private sealed class OwnCluster : IAsyncDisposable
    {
        public required RedisCluster Cluster { get; init; }
        public required PolicyServiceFactory Replica { get; init; }
        public required SessionPolicy.Server.Redis.RedisKeys Keys { get; init; }

        /// <summary>With <paramref name="replicas"/> per master, the service waiting for one of them (<paramref name="waitTimeout"/>) after logouts and signals.</summary>
        public static async Task<OwnCluster> StartAsync(string? connectTimeout = null, int replicas = 0, string? waitTimeout = null)
        {
            var cluster = await RedisCluster.StartAsync(replicas: replicas);
            var settings = cluster.SharedSettings();
            if (connectTimeout is not null) settings["SessionPolicy:Redis:ConnectTimeout"] = connectTimeout;
            if (replicas > 0)
            {
                settings["SessionPolicy:Redis:WaitForReplicas"] = "1";
                settings["SessionPolicy:Redis:WaitTimeout"] = waitTimeout ?? "00:00:01";
            }
            return new OwnCluster
            {
                Cluster = cluster,
                Replica = new PolicyServiceFactory(settings: settings),
                Keys = new SessionPolicy.Server.Redis.RedisKeys(settings["SessionPolicy:Redis:KeyPrefix"]!),
            };
        }

        public async ValueTask DisposeAsync()
        {
            Replica.Dispose();
            await Cluster.DisposeAsync();
        }
    }
}
