using System.CommandLine;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Commands;

/// <summary><c>policyctl decide</c> and <c>policyctl explain</c>: one Decide call to a running server.</summary>
internal static class DecideCommand
{
    public static Command Create(string name, string description, bool explain, TextWriter output, TextWriter error, Func<Connection, GrpcChannel> connect)
    {
        var options = new RequestOptions();
        var json = new Option<bool>("--json") { Description = "Print the decision as JSON." };
        var command = new Command(name, description);
        options.AddTo(command);
        command.Options.Add(json);
        command.SetAction(async (parse, cancel) =>
        {
            if (!options.TryBuild(parse, error, out var principal, out var role, out var context)) return PolicyCtl.InputError;
            var request = new DecideRequest { Explain = explain, Principal = principal, Role = role, Context = context };
            if (!options.TryConnect(parse, error, out var connection)) return PolicyCtl.InputError;
            var address = connection.Address;
            try
            {
                using var grpc = connect(connection);
                var response = await new SessionPolicyService.SessionPolicyServiceClient(grpc).DecideAsync(request, connection.Headers, cancellationToken: cancel);
                if (parse.GetValue(json)) output.WriteLine(JsonFormatter.Default.Format(response.Decision));
                else DecisionPrinter.Print(response.Decision, output);
                return 0;
            }
            catch (RpcException ex)
            {
                error.WriteLine($"{address}: {ex.StatusCode}: {ex.Status.Detail}");
                return ex.StatusCode == StatusCode.InvalidArgument ? PolicyCtl.Failed : PolicyCtl.InputError;
            }
        });
        return command;
    }
}
