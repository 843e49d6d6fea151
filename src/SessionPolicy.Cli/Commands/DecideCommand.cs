using System.CommandLine;
using Google.Protobuf;
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
            return await ServerCalls.RunAsync(options.Connection, parse, error, connect, async (grpc, headers) =>
            {
                var response = await new SessionPolicyService.SessionPolicyServiceClient(grpc).DecideAsync(request, headers, cancellationToken: cancel);
                if (parse.GetValue(json)) output.WriteLine(JsonFormatter.Default.Format(response.Decision));
                else DecisionPrinter.Print(response.Decision, output);
                return 0;
            });
        });
        return command;
    }
}
