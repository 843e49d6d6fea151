using System.Diagnostics;
using StackExchange.Redis;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// A real Redis Cluster on loopback: three masters (<c>redis-server --cluster-enabled yes</c> on free ports), their
/// 16384 slots assigned by <c>redis-cli --cluster create</c>, returned once every node reports <c>cluster_state:ok</c>.
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

    public static async Task<RedisCluster> StartAsync(int masters = 3)
    {
        var directory = Directory.CreateTempSubdirectory("redis-cluster-").FullName;
        var nodes = await Task.WhenAll(Enumerable.Range(0, masters).Select(_ => RedisServer.StartClusterNodeAsync(directory)));
        var cluster = new RedisCluster(directory, nodes);
        try
        {
            await RunCliAsync(["--cluster", "create", .. nodes.Select(n => n.Configuration), "--cluster-replicas", "0", "--cluster-yes"]);
            await cluster.WaitUntilOkAsync();
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
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Configuration);
        var owner = connection.GetServer(Nodes[0].Configuration).ClusterConfiguration?.GetBySlot(key)
            ?? throw new InvalidOperationException($"no node serves the slot of {key}");
        var port = ((System.Net.IPEndPoint)owner.EndPoint!).Port;
        return Nodes.Select((n, i) => (n.Port, i)).Single(p => p.Port == port).i;
    }

    private async Task WaitUntilOkAsync()
    {
        // cluster create returns once slots are assigned; the nodes agree a moment later (gossip).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var node in Nodes)
        {
            while (!(await RunCliAsync(["-p", node.Port.ToString(), "cluster", "info"])).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"the cluster did not reach cluster_state:ok on port {node.Port}");
                await Task.Delay(50);
            }
        }
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
        foreach (var node in Nodes) await node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
