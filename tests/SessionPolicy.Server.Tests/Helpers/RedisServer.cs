using System.Diagnostics;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// A real redis-server on a free loopback port, started for a test and stopped after it; it can be
/// stopped and started again on the same port to test outages. Nothing is persisted, unless started
/// <c>persistent</c>: then every write is in an append-only file (fsync always) that a restart reads back.
/// </summary>
public sealed class RedisServer : IRedisTarget, IAsyncDisposable
{
    private Process? _process;
    private readonly string? _directory;
    private readonly string[] _extra;

    private RedisServer(int port, string? directory, string[] extra)
    {
        Port = port;
        _directory = directory;
        _extra = extra;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>
    /// Settings for replicas sharing this server under a key prefix of their own, with an operation budget
    /// generous enough that a loaded test machine never turns a healthy round trip into a degraded one.
    /// </summary>
    public Dictionary<string, string?> SharedSettings() => IRedisTarget.SharedSettings(Configuration);

    public static async Task<RedisServer> StartAsync(bool persistent = false, params string[] settings)
    {
        var server = new RedisServer(LoopbackPorts.Free(), persistent ? Directory.CreateTempSubdirectory("redis-aof-").FullName : null, settings);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Kills the server and starts it again with nothing it had persisted, as a restart from a lost disk would.</summary>
    public async Task RestartLosingEverythingAsync()
    {
        await StopAsync();
        if (_directory is not null)
        {
            foreach (var entry in new DirectoryInfo(_directory).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo d) d.Delete(recursive: true);
                else entry.Delete();
            }
        }
        await RestartAsync();
    }

    /// <summary>A node of a Redis Cluster, on a free port whose cluster bus port (+10000) is free too, keeping its cluster state in <paramref name="directory"/>.</summary>
    internal static async Task<RedisServer> StartClusterNodeAsync(string directory)
    {
        var port = LoopbackPorts.Free(clusterBus: true);
        var server = new RedisServer(port, null,
            ["--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(directory, $"nodes-{port}.conf"), "--cluster-node-timeout", "2000",
             "--cluster-require-full-coverage", "no", "--dir", directory]);
        await server.RestartAsync();
        return server;
    }

    /// <summary>A replica of <paramref name="primary"/>, returned once the primary counts it as a connected replica that has synced.</summary>
    internal static async Task<RedisServer> StartReplicaAsync(RedisServer primary)
    {
        var replica = new RedisServer(LoopbackPorts.Free(), null, ["--replicaof", "127.0.0.1", primary.Port.ToString()]);
        await replica.RestartAsync();
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(replica.Configuration + ",allowAdmin=true");
        var server = connection.GetServer(replica.Configuration);
        for (var attempt = 0; ; attempt++)
        {
            var info = (await server.InfoAsync("replication")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
            if (info.GetValueOrDefault("master_link_status") == "up" && info.GetValueOrDefault("master_sync_in_progress") == "0") return replica;
            if (attempt == 500) throw new InvalidOperationException("the replica did not sync with its primary within 10 s");
            await Task.Delay(20);
        }
    }

    /// <summary>Stops the process where it stands (SIGSTOP): it keeps its connections and answers nothing, as a replica stuck on a slow disk would.</summary>
    internal void Freeze() => Signal(19);

    /// <summary>Lets a frozen process go on (SIGCONT).</summary>
    internal void Thaw() => Signal(18);

    private void Signal(int signal)
    {
        if (_process is not { HasExited: false } process || Kill(process.Id, signal) != 0) throw new InvalidOperationException($"could not signal redis-server ({signal})");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Starts the server (again), returning once it accepts connections.</summary>
    public async Task RestartAsync()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--daemonize", "no", "--enable-debug-command", "local" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])(_directory is null ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", "always", "--dir", _directory])) info.ArgumentList.Add(arg);
        foreach (var arg in _extra) info.ArgumentList.Add(arg);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not installed; scripts/test.sh installs it (apt-get install redis-server)", ex);
        }
        var output = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Add(e.Data);
            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited:\n" + string.Join("\n", output)));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Kills the server, as a crash or a network cut would.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } running) Kill(running.Id, 18);
        await StopAsync();
        _process?.Dispose();
        if (_directory is not null) Directory.Delete(_directory, recursive: true);
    }
}
