using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;

namespace SessionPolicy.Cli.Commands;

/// <summary>The one way an operator's command calls a running server: its credentials read, its refusals printed as <c>ADDRESS: STATUS: detail</c>.</summary>
internal static class ServerCalls
{
    /// <summary>Runs <paramref name="call"/> on a channel to the server; 0 or its own exit code, 1 for INVALID_ARGUMENT, 2 for any other refusal or an unreachable server.</summary>
    public static async Task<int> RunAsync(ConnectionOptions options, ParseResult parse, TextWriter error, Func<Connection, GrpcChannel> connect,
        Func<GrpcChannel, Metadata, Task<int>> call)
    {
        if (!options.TryRead(parse, error, out var connection)) return PolicyCtl.InputError;
        try
        {
            using var grpc = connect(connection);
            return await call(grpc, connection.Headers);
        }
        catch (RpcException ex)
        {
            error.WriteLine($"{connection.Address}: {ex.StatusCode}: {ex.Status.Detail}");
            return ex.StatusCode == StatusCode.InvalidArgument ? PolicyCtl.Failed : PolicyCtl.InputError;
        }
    }
}
