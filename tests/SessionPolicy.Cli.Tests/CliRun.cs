using Grpc.Net.Client;

namespace SessionPolicy.Cli.Tests;

/// <summary>Runs policyctl in process and captures what it prints.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static async Task<CliRun> RunAsync(string[] args, Func<SessionPolicy.Cli.Commands.Connection, GrpcChannel>? channel = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await PolicyCtl.RunAsync(args, output, error, channel);
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    public static string Shipped(string name) => Path.Combine(AppContext.BaseDirectory, "policies", name);
}
