using System.Text;
using SessionPolicy.Core.Policies;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Writing a watched policy file and waiting for what the store makes of it.</summary>
internal static class PolicyFiles
{
    /// <summary>Replaces the policy file in one step, as deployment tools do (write aside, then rename).</summary>
    public static async Task ReplaceAsync(string path, string yaml)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, yaml);
        File.Move(temp, path, overwrite: true);
    }

    public static string VersionOf(string yaml) => PolicyParser.ComputeVersion(Encoding.UTF8.GetBytes(yaml));

    /// <summary>A task that completes with the next value an event raises that satisfies <paramref name="wanted"/>.</summary>
    public static Task<T> Next<T>(Action<Action<T>> subscribe, Action<Action<T>> unsubscribe, Func<T, bool> wanted)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<T> handler = null!;
        handler = value =>
        {
            if (!wanted(value)) return;
            unsubscribe(handler);
            tcs.TrySetResult(value);
        };
        subscribe(handler);
        return tcs.Task;
    }
}
