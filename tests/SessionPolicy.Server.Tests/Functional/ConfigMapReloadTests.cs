using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Functional;

/// <summary>
/// The policy from a Kubernetes ConfigMap volume, updated as the kubelet's atomic writer does it: the files live in a
/// timestamped folder, <c>..data</c> links to it, <c>policy.yaml</c> links to <c>..data/policy.yaml</c>; an update writes a
/// new timestamped folder, points a new link at it and renames that link over <c>..data</c>, then removes the old folder.
/// The new policy is served without a restart; one that does not validate leaves the last good one serving.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ConfigMapReloadTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _volume = Directory.CreateTempSubdirectory("configmap-");
    private readonly PolicyServiceFactory _factory;
    private string _current;

    public ConfigMapReloadTests()
    {
        _current = Write(Sample.OneHourPolicy, "..2026_12_04_10_00_00.000000001");
        File.CreateSymbolicLink(Path.Combine(_volume.FullName, "..data"), _current);
        File.CreateSymbolicLink(Path.Combine(_volume.FullName, "policy.yaml"), Path.Combine("..data", "policy.yaml"));
        _factory = new PolicyServiceFactory(settings: new Dictionary<string, string?>
        {
            ["SessionPolicy:Policy:Path"] = Path.Combine(_volume.FullName, "policy.yaml"),
            ["SessionPolicy:Policy:SettleDelay"] = "00:00:00.100",
        });
    }

    public void Dispose()
    {
        _factory.Dispose();
        _volume.Delete(recursive: true);
    }

    private PolicyStore Store => _factory.Services.GetRequiredService<PolicyStore>();

    private string Write(string yaml, string folder)
    {
        var path = Path.Combine(_volume.FullName, folder);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "policy.yaml"), yaml);
        return folder;
    }

    /// <summary>The kubelet's update: a new folder, a new link renamed over ..data, the old folder removed.</summary>
    private void Swap(string yaml, string folder)
    {
        var next = Write(yaml, folder);
        var temporary = Path.Combine(_volume.FullName, "..data_tmp");
        File.CreateSymbolicLink(temporary, next);
        // rename(2), as the kubelet does: atomic, and of the link itself (File.Move would look at the folder it names).
        if (Rename(temporary, Path.Combine(_volume.FullName, "..data")) != 0) throw new IOException($"rename failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        Directory.Delete(Path.Combine(_volume.FullName, _current), recursive: true);
        _current = next;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(string from, string to);

    [Fact]
    public async Task AConfigMapUpdate_IsServedWithoutARestart_AndABrokenOneLeavesTheLastGood()
    {
        var client = new SessionPolicyService.SessionPolicyServiceClient(_factory.Channel);
        var before = (await client.DecideAsync(Sample.Human())).Decision;
        var changed = PolicyFiles.Next<PolicySnapshot>(h => Store.Changed += h, h => Store.Changed -= h, s => s.Version == PolicyFiles.VersionOf(Sample.TwoHourPolicy));

        Swap(Sample.TwoHourPolicy, "..2026_12_04_10_05_00.000000002");
        await changed.WaitAsync(Patience);
        var after = (await client.DecideAsync(Sample.Human())).Decision;

        const string broken = "version: 1\ndefaults: { max_session: 20h, idle_timeout: soon }\n";
        var rejected = PolicyFiles.Next<RejectedPolicy>(h => Store.Rejected += h, h => Store.Rejected -= h, r => r.Version == PolicyFiles.VersionOf(broken));
        Swap(broken, "..2026_12_04_10_10_00.000000003");
        await rejected.WaitAsync(Patience);
        var afterBroken = (await client.DecideAsync(Sample.Human())).Decision;

        Assert.Equal(3600, before.MaxSessionSeconds);
        Assert.Equal(7200, after.MaxSessionSeconds);
        Assert.Equal(7200, afterBroken.MaxSessionSeconds);
        Assert.Equal(after.PolicyVersion, afterBroken.PolicyVersion);
    }
}
