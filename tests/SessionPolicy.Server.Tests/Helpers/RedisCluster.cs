using System.Diagnostics;
using StackExchange.Redis;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// A real Redis Cluster on loopback: three masters (<c>redis-server --cluster-enabled yes</c> on free ports), optionally
/// with replicas, their 16384 slots assigned by <c>redis-cli --cluster create</c>, returned once every node reports
/// <c>cluster_state:ok</c>.
/// </summary>
public sealed class RedisCluster : IRedisTarget, IAsyncDisposable
{
    private readonly string _directory;

    private RedisCluster(string directory, IReadOnlyList<RedisServer> nodes)
    {
        _directory = directory;
        Nodes = nodes;
    }

    public IReadOnlyList<RedisServer> Nodes { get; }

    public string Configuration => string.Join(",", Nodes.Select(n => n.Configuration));

    public Dictionary<string, string?> SharedSettings() => IRedisTarget.SharedSettings(Configuration);

    /// <summary>
    /// Starts <paramref name="masters"/> masters and <paramref name="replicas"/> replicas of each; returns once every node
    /// reports <c>cluster_state:ok</c> and every master has its replicas connected.
    /// </summary>
    public static async Task<RedisCluster> StartAsync(int masters = 3, int replicas = 0)
    {
        var directory = Directory.CreateTempSubdirectory("redis-cluster-").FullName;
        var nodes = await Task.WhenAll(Enumerable.Range(0, masters * (1 + replicas)).Select(_ => RedisServer.StartClusterNodeAsync(directory)));
        var cluster = new RedisCluster(directory, nodes);
        try
        {
            await RunCliAsync(["--cluster", "create", .. nodes.Select(n => n.Configuration), "--cluster-replicas", replicas.ToString(), "--cluster-yes"]);
            await cluster.WaitUntilOkAsync(replicas);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Which of <see cref="Nodes"/> serves <paramref name="key"/>'s slot, as the cluster says (<c>CLUSTER NODES</c>).</summary>
    public async Task<int> NodeOfAsync(RedisKey key)
    {
        // A connection of its own: it reads the slot map afresh, so a slot just moved is seen where it now is.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Configuration);
        var owner = connection.GetServer(Nodes[0].Configuration).ClusterConfiguration?.GetBySlot(key)
            ?? throw new InvalidOperationException($"no node serves the slot of {key}");
        var port = ((System.Net.IPEndPoint)owner.EndPoint!).Port;
        return Nodes.Select((n, i) => (n.Port, i)).Single(p => p.Port == port).i;
    }

    /// <summary>
    /// Moves the slot of <paramref name="key"/> to node <paramref name="to"/> the way <c>redis-cli --cluster reshard</c>
    /// does (<c>CLUSTER SETSLOT ... IMPORTING/MIGRATING</c>, <c>MIGRATE</c> of its keys, <c>SETSLOT ... NODE</c> on every
    /// node), one key per <c>MIGRATE</c>, so the slot is split between two nodes for as long as possible.
    /// <paramref name="migrated"/> is called after each key moved. Returns the number of keys moved.
    /// </summary>
    public async Task<int> MoveSlotAsync(RedisKey key, int to, Func<Task>? migrated = null)
    {
        var admin = await AdminAsync();
        var from = await NodeOfAsync(key);
        if (from == to) throw new ArgumentException("the slot is already on that node", nameof(to));
        var slot = admin.HashSlot(key);
        IServer Server(int i) => admin.GetServer(Nodes[i].Configuration);
        async Task<string> IdAsync(int i) => (string)(await Server(i).ExecuteAsync("CLUSTER", "MYID"))!;
        var (fromId, toId) = (await IdAsync(from), await IdAsync(to));
        await Server(to).ExecuteAsync("CLUSTER", "SETSLOT", slot, "IMPORTING", fromId);
        await Server(from).ExecuteAsync("CLUSTER", "SETSLOT", slot, "MIGRATING", toId);
        var moved = 0;
        while (true)
        {
            var keys = (RedisResult[])(await Server(from).ExecuteAsync("CLUSTER", "GETKEYSINSLOT", slot, 1))!;
            if (keys.Length == 0) break;
            await Server(from).ExecuteAsync("MIGRATE", "127.0.0.1", Nodes[to].Port, (string)keys[0]!, 0, 5000);
            moved++;
            if (migrated is not null) await migrated();
        }
        // The new owner first, then the old one, then the rest, as redis-cli does: the other way round there is a moment
        // when the old owner sends a key to the new one (MOVED) and the new one, still importing, sends it back.
        foreach (var i in new[] { to, from }.Concat(Enumerable.Range(0, Nodes.Count).Where(i => i != to && i != from)))
        {
            await Server(i).ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", toId);
        }
        return moved;
    }

    /// <summary>How many commands the masters refused with <c>TRYAGAIN</c> (a multi-key command on a slot split by a move), from <c>INFO errorstats</c>.</summary>
    public async Task<long> TryAgainCountAsync()
    {
        var admin = await AdminAsync();
        long count = 0;
        foreach (var node in Nodes)
        {
            var stats = await admin.GetServer(node.Configuration).InfoAsync("errorstats");
            var line = stats.SelectMany(g => g).FirstOrDefault(p => p.Key == "errorstat_TRYAGAIN");
            if (line.Value is { } value) count += long.Parse(value.Split('=')[1]);
        }
        return count;
    }

    private ConnectionMultiplexer? _admin;

    /// <summary>One admin connection for the commands sent to a named node (slot moves, INFO).</summary>
    private async Task<ConnectionMultiplexer> AdminAsync() => _admin ??= await ConnectionMultiplexer.ConnectAsync(Configuration + ",allowAdmin=true");

    private async Task WaitUntilOkAsync(int replicas)
    {
        // cluster create returns once slots are assigned; the nodes agree a moment later (gossip), and replicas sync.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var node in Nodes)
        {
            while (!(await RunCliAsync(["-p", node.Port.ToString(), "cluster", "info"])).Contains("cluster_state:ok", StringComparison.Ordinal)
                || (await RunCliAsync(["-p", node.Port.ToString(), "info", "replication"])) is var info
                    && info.Contains("role:master", StringComparison.Ordinal) && Count(info, ",state=online,") < replicas)
            {
                if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"the cluster did not reach cluster_state:ok with its replicas on port {node.Port}");
                await Task.Delay(50);
            }
        }
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    /// <summary>The index in <see cref="Nodes"/> of a replica of node <paramref name="master"/>, as the master reports it.</summary>
    public async Task<int> ReplicaOfAsync(int master)
    {
        var info = await RunCliAsync(["-p", Nodes[master].Port.ToString(), "info", "replication"]);
        var line = info.Split('\n').First(l => l.StartsWith("slave0:", StringComparison.Ordinal));
        var port = int.Parse(line.Split(',').Single(p => p.StartsWith("port=", StringComparison.Ordinal))["port=".Length..]);
        return Nodes.Select((n, i) => (n.Port, i)).Single(p => p.Port == port).i;
    }

    private static async Task<string> RunCliAsync(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-h");
        info.ArgumentList.Add("127.0.0.1");
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (process.ExitCode != 0) throw new InvalidOperationException($"redis-cli {string.Join(' ', info.ArgumentList)} failed:\n{await output}{await error}");
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null) await _admin.DisposeAsync();
        foreach (var node in Nodes) await node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
