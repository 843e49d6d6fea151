using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Grpc.Net.Client;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// The built server started as its own process on a free loopback port (the port is the one Kestrel
/// reports after binding port 0), reached over a real HTTP/2 connection.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly OutputLines _output;

    private ServerProcess(Process process, Uri address, OutputLines output)
    {
        _process = process;
        Address = address;
        _output = output;
        Channel = GrpcChannel.ForAddress(address);
    }

    public Uri Address { get; }

    /// <summary>Every address the server said it listens on, in the order it said so.</summary>
    public IReadOnlyList<Uri> Addresses => ListeningLine().Matches(Output).Select(m => new Uri(m.Groups[1].Value)).ToList();
    public GrpcChannel Channel { get; }

    /// <summary>Everything the server wrote so far.</summary>
    public string Output => _output.Text;

    /// <summary>Everything the server wrote, once a line matching <paramref name="line"/> has been written.</summary>
    public async Task<string> OutputAfterAsync(Func<string, bool> line)
    {
        await _output.WaitForAsync(line).WaitAsync(TimeSpan.FromSeconds(30));
        return _output.Text;
    }

    /// <summary>The process's output lines, with waiters released by the line they wait for.</summary>
    private sealed class OutputLines
    {
        private readonly List<string> _lines = [];
        private readonly List<(Func<string, bool> Match, TaskCompletionSource Done)> _waiters = [];

        public string Text { get { lock (_lines) return string.Join(Environment.NewLine, _lines); } }

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Add(line);
                foreach (var w in _waiters.Where(w => w.Match(line)).ToList())
                {
                    w.Done.TrySetResult();
                    _waiters.Remove(w);
                }
            }
        }

        public Task WaitForAsync(Func<string, bool> match)
        {
            lock (_lines)
            {
                if (_lines.Any(match)) return Task.CompletedTask;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((match, done));
                return done.Task;
            }
        }
    }

    /// <summary>The built server on <paramref name="urls"/>, in production mode, with <paramref name="environment"/> added, its output redirected.</summary>
    private static ProcessStartInfo StartInfo(string? urls, IDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { ServerDll() },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ServerDll())!,
        };
        if (urls is not null)
        {
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add(urls);
        }
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        // The audit trail is on by default, under the XDG state folder: each server process gets a folder of its own.
        info.Environment["XDG_STATE_HOME"] = Path.Combine(Path.GetTempPath(), StatePrefix + Guid.NewGuid().ToString("N"));
        foreach (var (k, v) in environment) info.Environment[k] = v;
        return info;
    }

    private const string StatePrefix = "sessionpolicy-state-";

    /// <summary>The XDG state folder a server process was started with, where its default audit trail is.</summary>
    public string StateHome => _process.StartInfo.Environment["XDG_STATE_HOME"]!;

    /// <summary>Removes a state folder this class made.</summary>
    private static void RemoveState(ProcessStartInfo info)
    {
        if (info.Environment.TryGetValue("XDG_STATE_HOME", out var state) && state is not null
            && Path.GetFileName(state).StartsWith(StatePrefix, StringComparison.Ordinal) && Directory.Exists(state))
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Runs the server expecting it to stop by itself (a start-up it refuses): its exit code and everything it wrote.</summary>
    /// <remarks>With <paramref name="urls"/> null, no <c>--urls</c> is passed: what listens is up to <paramref name="environment"/> and <paramref name="arguments"/>.</remarks>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IDictionary<string, string> environment, string? urls = "http://127.0.0.1:0", params string[] arguments)
    {
        var info = StartInfo(urls, environment, arguments);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("the server did not stop by itself: it started with settings it should refuse");
        }
        finally
        {
            if (process.HasExited) RemoveState(info);
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public static async Task<ServerProcess> StartAsync(IDictionary<string, string>? environment = null)
    {
        var info = StartInfo("http://127.0.0.1:0", environment ?? new Dictionary<string, string>());

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var lines = new OutputLines();
        void OnLine(string? line)
        {
            if (line is null) return;
            lines.Add(line);
            if (ListeningLine().Match(line) is { Success: true } m) listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            // Wait for the rest of the redirected output, so the failure shows why the server stopped.
            process.WaitForExit();
            listening.TrySetException(new InvalidOperationException("server exited before listening:\n" + lines.Text));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return new ServerProcess(process, address, lines);
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>The repository's root: the folder holding SessionPolicy.sln above this test assembly.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SessionPolicy.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SessionPolicy.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The server's own build output, in the configuration this test assembly was built in.</summary>
    private static string ServerDll()
    {
        var configuration = typeof(ServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dll = Path.Combine(RepoRoot(), "src", "SessionPolicy.Server", "bin", configuration, "net10.0", "SessionPolicy.Server.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build the server first", dll);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        RemoveState(_process.StartInfo);
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
