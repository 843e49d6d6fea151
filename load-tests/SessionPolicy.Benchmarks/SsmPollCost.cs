using SessionPolicy.StsEndpoint;

namespace SessionPolicy.Benchmarks;

/// <summary>
/// What listing Session Manager sessions costs the server: hosts the SSM-compatible endpoint (on the port the server was
/// told) with SESSIONS active sessions in one region, and reads the server's CPU time (/proc/PID/stat) at the end of
/// each round of listings (the round's last page). Prints the CPU of the first round (every session registered) and
/// the mean of the ROUNDS after it (steady state: each session looked up, none new), with the interval between rounds.
/// </summary>
internal static class SsmPollCost
{
    public static async Task<int> RunAsync(int port, int serverPid, string accessKey, string secretKey, int sessions, int rounds)
    {
        await using var ssm = await SsmEndpoint.StartAsync(port);
        ssm.AddCaller(new StsCaller(accessKey, secretKey, "arn:aws:iam::123456789012:user/session-policy"));
        var started = DateTimeOffset.UtcNow.AddMinutes(-1);
        for (var i = 0; i < sessions; i++) ssm.AddSession("eu-west-1", new SsmSession($"user{i:D5}-0a1b2c3d", $"i-{i:x17}", $"arn:aws:iam::123456789012:user/user{i:D5}", started));
        var ticksPerSecond = 100.0; // USER_HZ on Linux
        var ends = new List<(DateTimeOffset At, double Cpu)>();
        var seen = 0;
        var deadline = DateTimeOffset.UtcNow.AddMinutes(10);
        while (ends.Count < rounds + 2 && DateTimeOffset.UtcNow < deadline)
        {
            var calls = ssm.Calls;
            for (; seen < calls.Count; seen++)
            {
                // A round's last page: a listing that did not ask for a page after its own.
                if (calls[seen].Action == "DescribeSessions" && IsLastPage(calls[seen].Input, sessions)) ends.Add((calls[seen].At, Cpu(serverPid) / ticksPerSecond));
            }
            await Task.Delay(20);
        }
        if (ends.Count < rounds + 2)
        {
            Console.Error.WriteLine($"only {ends.Count} rounds seen");
            return 1;
        }
        var first = ends[1].Cpu - ends[0].Cpu;
        var steady = Enumerable.Range(2, rounds).Select(k => ends[k].Cpu - ends[k - 1].Cpu).ToList();
        var interval = (ends[^1].At - ends[1].At).TotalSeconds / rounds;
        Console.WriteLine($"{sessions} active Session Manager sessions, rounds every {interval:F1} s");
        Console.WriteLine($"  round registering them all: {first:F2} s CPU (includes a round's worth of idle work before it)");
        Console.WriteLine($"  steady rounds: mean {steady.Average():F2} s CPU, max {steady.Max():F2} s CPU per interval (n={rounds})");
        return 0;
    }

    private static bool IsLastPage(string input, int sessions)
    {
        var last = sessions - sessions % 200 == sessions ? sessions - 200 : sessions - sessions % 200;
        return last == 0 ? !input.Contains("NextToken", StringComparison.Ordinal) : input.Contains($"\"NextToken\":\"{last}\"", StringComparison.Ordinal);
    }

    private static long Cpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }
}
