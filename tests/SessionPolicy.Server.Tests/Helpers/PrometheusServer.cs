using System.Diagnostics;
using System.Text.Json;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>A real Prometheus server (Debian's) on a free loopback port, scraping one target every second, with its own storage.</summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;
    private readonly HttpClient _http = new();

    private PrometheusServer(Process process, string folder, Uri address)
    {
        _process = process;
        _folder = folder;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) at <c>/metrics</c> as job <paramref name="job"/>; returns once it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string target, string job)
    {
        var folder = Directory.CreateTempSubdirectory("prometheus-").FullName;
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global: {"{"} scrape_interval: 1s, evaluation_interval: 1s {"}"}
            scrape_configs:
              - job_name: {job}
                metrics_path: /metrics
                static_configs:
                  - targets: ["{target}"]
            """);
        var port = LoopbackPorts.Free();
        var info = new ProcessStartInfo("prometheus")
        {
            ArgumentList = { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "data")}", $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("prometheus is not installed; scripts/test.sh installs it (apt-get install prometheus)", e);
        }
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, folder, new Uri($"http://127.0.0.1:{port}"));
        await Until.TrueAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"prometheus exited with {process.ExitCode}");
            try
            {
                using var ready = await server._http.GetAsync(new Uri(server.Address, "/-/ready"));
                return ready.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "prometheus ready");
        return server;
    }

    /// <summary>The series an instant query returns now (an error from Prometheus fails the test).</summary>
    public async Task<int> SeriesAsync(string query)
    {
        using var response = await _http.GetAsync(new Uri(Address, "/api/v1/query?query=" + Uri.EscapeDataString(query)));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("status").GetString() == "success", $"{query}: {body.RootElement}");
        return body.RootElement.GetProperty("data").GetProperty("result").GetArrayLength();
    }

    /// <summary>The names of the series Prometheus holds that start with <paramref name="prefix"/>, for a failure message.</summary>
    public async Task<string> NamesAsync(string prefix)
    {
        using var response = await _http.GetAsync(new Uri(Address, "/api/v1/label/__name__/values"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return string.Join(", ", body.RootElement.GetProperty("data").EnumerateArray().Select(n => n.GetString()).Where(n => n!.StartsWith(prefix, StringComparison.Ordinal)));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _http.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
