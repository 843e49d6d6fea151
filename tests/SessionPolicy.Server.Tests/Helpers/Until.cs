using System.Text.Json;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Waits for a condition another process or loop makes true, checking it again and again until a deadline (30 s).</summary>
public static class Until
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (deadline.IsCancellationRequested) Assert.Fail($"never true: {what}");
            await Task.Delay(10, CancellationToken.None);
        }
    }
}

/// <summary>Audit records as a service wrote them to its file (JSON lines).</summary>
public static class AuditLines
{
    public static IReadOnlyList<JsonElement> Read(string file)
    {
        if (!File.Exists(file)) return [];
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith('}')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    /// <summary>The first record of <paramref name="type"/>, once the file has it.</summary>
    public static async Task<JsonElement> WaitForAsync(string file, string type)
    {
        await Until.TrueAsync(() => Task.FromResult(Read(file).Any(r => r.GetProperty("type").GetString() == type)), $"an audit record {type} in {file}");
        return Read(file).First(r => r.GetProperty("type").GetString() == type);
    }
}
